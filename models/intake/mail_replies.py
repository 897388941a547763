"""What kind of reply an inbound e-mail is: sent by a machine, or by a person.

Pure: no I/O. A machine's reply (an out-of-office notice, a list's bulk mail) must
never open a case nor make Escalator answer it, so two auto-responders cannot loop.
"""

import re
from email.message import EmailMessage

# RFC 3834: any Auto-Submitted keyword but "no" (auto-generated, auto-replied, auto-notified).
AUTO_SUBMITTED = "Auto-Submitted"
# The de-facto Precedence values of automatic and list mail (RFC 3834 section 2 mentions them).
AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
# Headers responders of various mail systems add to their replies.
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
# Subjects responders write when they set no header: "Automatic reply: ...", "Out of Office: ...".
AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office(?: auto-?reply)?|automatic reply|auto[- ]?reply"
    r"|auto[- ]?response|auto)\s*:",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"\([^()]*\)")


def _keyword(value: object) -> str:
    """A header's leading keyword, lower-cased, without comments and parameters."""
    text = str(value)
    while _COMMENT.search(text):
        text = _COMMENT.sub(" ", text)
    return text.split(";", 1)[0].strip().lower()


def automatic_reason(message: EmailMessage, subject: str) -> str | None:
    """Why the message was sent by a machine ("Auto-Submitted: auto-replied"), or None."""
    auto = message.get(AUTO_SUBMITTED)
    if auto is not None and _keyword(auto) not in ("", "no"):
        return f"{AUTO_SUBMITTED}: {_keyword(auto)}"
    precedence = message.get("Precedence")
    if precedence is not None and _keyword(precedence) in AUTO_PRECEDENCE:
        return f"Precedence: {_keyword(precedence)}"
    for name in AUTO_HEADERS:
        value = message.get(name)
        if value is not None and _keyword(value) not in ("no", "false", "0"):
            return f"{name}: {_keyword(value) or '(empty)'}"
    found = AUTO_SUBJECT.match(subject)
    if found:
        return f"subject {found.group(0).strip()!r}"
    return None


# Outlook's separator: everything from it on is the message replied to.
ORIGINAL_MESSAGE = re.compile(r"^\s*-{2,}\s*original message\s*-{2,}\s*$", re.IGNORECASE)
# "On Mon, 2 Dec 2026 at 10:00, Ada <ada@acme.test> wrote:", which mailers may wrap in two.
ATTRIBUTION = re.compile(r"^\s*On\s.*\bwrote:\s*$")
_BLANK_RUNS = re.compile(r"\n\s*\n(?:\s*\n)+")


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution(lines: list[str], above: int) -> list[int]:
    """The lines of the "On ... wrote:" attribution ending just above line `above`
    (blank lines between allowed), or none."""
    end = above - 1
    while end >= 0 and not lines[end].strip():
        end -= 1
    if end < 0 or not lines[end].rstrip().endswith("wrote:"):
        return []
    if ATTRIBUTION.match(lines[end]):
        return [end]
    if end >= 1 and ATTRIBUTION.match(f"{lines[end - 1].rstrip()} {lines[end].strip()}"):
        return [end - 1, end]
    return []


def split_reply(text: str) -> tuple[str, str]:
    """A reply's own text and the text it quotes: the lines starting with ">" with the
    "On ... wrote:" line above them, and everything from "-----Original Message-----" on.
    Answers between quoted lines stay in the new text, in their order."""
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if ORIGINAL_MESSAGE.match(line)), len(lines))
    head, tail = lines[:cut], lines[cut:]
    quoted = {i for i, line in enumerate(head) if _quoted(line)}
    for start in [i for i in sorted(quoted) if i - 1 not in quoted]:
        quoted.update(_attribution(head, start))
    new = "\n".join(line for i, line in enumerate(head) if i not in quoted)
    old = "\n".join([head[i] for i in sorted(quoted)] + tail)
    return _BLANK_RUNS.sub("\n\n", new).strip(), old.strip()
