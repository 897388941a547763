"""Each form's idempotency key: rendered into the form as a hidden field, passed to the case
service as the step's (or the new case's) key, so a form sent twice acts once."""

import re
import secrets

# The hidden field that carries it.
FORM_KEY = "form_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,200}")


def new_form_key() -> str:
    """A fresh key for one form of one render (templates call it as `new_form_key()`)."""
    return secrets.token_urlsafe(24)


def form_key(fields: dict[str, str]) -> str | None:
    """The form's key as a page of ours rendered it; None for anything else. What then
    happens is the form's to say: an engineer's step runs unkeyed (as through the API); a
    partner's reply, note, file or new case asks to be sent again from a fresh page."""
    key = fields.get(FORM_KEY, "")
    return key if _KEY.fullmatch(key) else None
