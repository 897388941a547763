"""The one cursor codec of the case lists (API, portal lists, queues): what it wrote comes
back; anything else is a BadCursor, never an exception a page would answer 500 with."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.case.cursors import BadCursor, decode_cursor, encode_cursor


def token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


def test_a_cursor_comes_back_as_written() -> None:
    at = datetime(2026, 12, 7, 9, 30, tzinfo=timezone(timedelta(hours=-7)))
    assert decode_cursor(encode_cursor(at, "case-1")) == (at.astimezone(UTC), "case-1")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        token("2026-12-07T09:30:00|case-1"),  # naive: compares with no stored instant
        token("9999-12-31T23:59:59-14:00|case-1"),  # past what UTC can hold
        token("0001-01-01T00:00:00+14:00|case-1"),  # before it
        token("2026-12-07T09:30:00+00:00|"),
        token("2026-12-07T09:30:00+00:00|case\x00"),
        token("yesterday|case-1"),
        base64.urlsafe_b64encode(b"\xff\xfe|x").decode(),
    ],
)
def test_anything_else_is_a_bad_cursor(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor)
