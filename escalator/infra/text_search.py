"""Searching text columns with LIKE: what a person types matches itself, its `%` and `_`
included (escaped by backslash), without regard to case."""

from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import col

ESCAPE = "\\"


def escaped(text: str) -> str:
    """`text` with LIKE's own wildcards (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of `columns` holds `text`, in any case."""
    pattern = f"%{escaped(text)}%"
    return or_(*(col(column).ilike(pattern, escape=ESCAPE) for column in columns))
