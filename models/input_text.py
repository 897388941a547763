"""Text the system can store and send: no NUL or other control characters where they break.

PostgreSQL refuses NUL in text and JSON, an SMTP relay refuses control characters in
an address, and a header cannot carry a line break. A request holding them is
refused at the edge, naming the field, rather than accepted and failing later on
every retry. Multi-line text (descriptions, notes) keeps tab, line feed and
carriage return; a single-line field (a name, a subject, an organisation, an
address) keeps none. Pure: no I/O.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, Field

# What multi-line text may hold of the control characters.
LINE_BREAKS = frozenset("\t\n\r")
# The same rules as JSON Schema patterns, for /openapi.json (lone surrogates aside, which
# no JSON text a client sends can carry as UTF-8).
SINGLE_LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
MULTI_LINE_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"


def refused_character(text: str, allowed: frozenset[str] = LINE_BREAKS) -> str | None:
    """The first character of `text` that cannot be stored or sent, or None: a C0 or C1
    control character (NUL and DEL included) not in `allowed`, or a lone surrogate (no
    UTF-8 encodes it)."""
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def refusal(char: str) -> str:
    """What is wrong with a text holding `char`, for an error message."""
    return f"may not contain the control character U+{ord(char):04X}"


def _multi_line(text: str) -> str:
    if (char := refused_character(text)) is not None:
        raise ValueError(refusal(char))
    return text


def _single_line(text: str) -> str:
    if (char := refused_character(text, frozenset())) is not None:
        raise ValueError(refusal(char))
    return text


# A local part of printable characters, an @, and a domain of two or more labels (letters,
# digits, inner hyphens; any script), as a relay accepts it.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_ADDRESS = re.compile(rf"[^@\s\"(),:;<>\[\\\]]+@{_LABEL}(?:\.{_LABEL})+")


def _email_address(text: str) -> str:
    _single_line(text)
    local, _, domain = text.rpartition("@")
    if (
        not _ADDRESS.fullmatch(text)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(local) > 64
        or len(domain) > 253
    ):
        raise ValueError("is not an e-mail address (name@domain.example)")
    return text


MultiLine = Annotated[
    str, AfterValidator(_multi_line), Field(json_schema_extra={"pattern": MULTI_LINE_PATTERN})
]
SingleLine = Annotated[
    str, AfterValidator(_single_line), Field(json_schema_extra={"pattern": SINGLE_LINE_PATTERN})
]
EmailAddress = Annotated[
    str,
    AfterValidator(_email_address),
    Field(json_schema_extra={"pattern": r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^\W_]+(\.[^\W_]+)+$"}),
]


def refused_strings(
    value: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[list[str | int], str]]:
    """(where, what is wrong) for every string of a decoded JSON document (keys included)
    holding a character no text of this API may hold; multi-line rules, so line breaks pass."""
    if isinstance(value, str):
        if (char := refused_character(value)) is not None:
            yield list(loc), refusal(char)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (char := refused_character(key)) is not None:
                yield list(loc), f"a key {refusal(char)}"
            else:
                yield from refused_strings(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from refused_strings(item, (*loc, index))
