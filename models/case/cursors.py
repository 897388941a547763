"""Where a page of a case list ends: the sort key of its last case (an instant and the case
id), as an opaque token the next request sends back. The API's `GET /cases`, the portal's
lists and the engineer's queues page with it, so reading on costs the same at any depth.
"""

import base64
import binascii
from datetime import UTC, datetime

from models.input_text import refused_character


class BadCursor(ValueError):
    """A token no list wrote: a 4xx naming the cursor, never a 500."""


def encode_cursor(at: datetime, case_id: str) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{case_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The instant and case id `encode_cursor` wrote. A token it cannot have written is a
    `BadCursor`: undecodable, a naive instant (it compares with no stored one), an instant
    UTC cannot hold (year 9999 at -07:00), or an id no case has."""
    try:
        at, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        instant = datetime.fromisoformat(at)
        utc = instant.astimezone(UTC) if instant.tzinfo is not None else None
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor("is not a cursor this list returned") from error
    if utc is None or not case_id or refused_character(case_id, frozenset()):
        raise BadCursor("is not a cursor this list returned")
    return utc, case_id
