"""Whether a message's From was authenticated by the organisation's own relay (RFC 8601).

Anyone can write an `Authentication-Results` header, so only those of one authserv-id,
`ESCALATOR_MAIL_TRUSTED_AUTHSERV_ID`, are read, and of those only the topmost: the
relay adds its own above what it received (and, as RFC 8601 section 5 asks, removes
headers that claim its id on the way in). The From domain is authenticated when that
header shows, for exactly that domain,
- `dmarc=pass` with `header.from`, or
- `dkim=pass` with `header.d` (or the domain of `header.i`), or
- `spf=pass` with `smtp.mailfrom` (an address or a domain);
each aligned strictly: the property's domain equals the From domain.
"""

import re
from dataclasses import dataclass

import authres

# The authserv-id leads the header value, after optional comments (for unreadable headers).
_COMMENT = re.compile(r"\([^()]*\)")
HEADER = "Authentication-Results"


@dataclass(frozen=True)
class Verdict:
    authenticated: bool
    # What showed it ("dmarc=pass header.from=acme.test"), or why not.
    detail: str


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().lower().rstrip(".")


def _leading_id(value: str) -> str:
    head = value.split(";", 1)[0]
    while _COMMENT.search(head):
        head = _COMMENT.sub(" ", head)
    words = head.split()
    return words[0].lower() if words else ""


# (method, ptype, property) whose value names the domain a pass is for.
_ALIGNED = (
    ("dmarc", "header", "from"),
    ("dkim", "header", "d"),
    ("dkim", "header", "i"),
    ("spf", "smtp", "mailfrom"),
)


def verdict(headers: list[str], authserv_id: str, from_domain: str) -> Verdict:
    """Whether the topmost `Authentication-Results` of `authserv_id` among `headers` (in
    message order, top first) shows a pass aligned with `from_domain`."""
    wanted, domain = authserv_id.strip().lower(), _domain(from_domain)
    for value in headers:
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(value)
        except authres.AuthResError:
            if _leading_id(value) == wanted:
                return Verdict(False, f"the {HEADER} of {wanted} cannot be read")
            continue
        if str(parsed.authserv_id).lower() != wanted:
            continue
        for result in parsed.results:
            method, outcome = str(result.method).lower(), str(result.result).lower()
            if outcome != "pass":
                continue
            for prop in result.properties:
                key = (method, str(prop.type).lower(), str(prop.name).lower())
                if key in _ALIGNED and _domain(str(prop.value)) == domain:
                    return Verdict(True, f"{method}=pass {prop.type}.{prop.name}={prop.value}")
        shown = ", ".join(f"{r.method}={r.result}" for r in parsed.results) or "none"
        return Verdict(False, f"the {HEADER} of {wanted} shows no pass for {domain} ({shown})")
    return Verdict(False, f"the message has no {HEADER} of {wanted}")
