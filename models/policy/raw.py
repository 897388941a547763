"""Reading the raw policy document for the reference checks, also where its shape is wrong.

A shape error in one field must not hide a wrong name in another field of the same item:
a plan whose targets are broken still names a calendar, a rule with a bad trigger still
names teams. So names are read from the raw data, guided by the schema (only where a model
has that field), rather than from items that validate as a whole.
"""

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.policy.errors import PathPart
from models.policy.issues import allowed_keys

Loc = tuple[PathPart, ...]
M = TypeVar("M", bound=BaseModel)

# Fields that name a calendar, in every model that has them.
CALENDAR_FIELDS = ("calendar", "only_during")


def valid(model: type[M], value: Any) -> M | None:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def mapping(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def sequence(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def ids(items: Iterable[Any], key: str = "id") -> list[tuple[int, str]]:
    return [
        (index, item[key])
        for index, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get(key), str)
    ]


def names(items: Iterable[Any]) -> list[tuple[int, str]]:
    """(position, name) of the text entries of a raw list of names."""
    return [(index, item) for index, item in enumerate(items) if isinstance(item, str)]


def calendar_names(model: type[BaseModel], raw: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """(path, name) of every calendar field in `raw`, an item of type `model` at `loc`.

    Only keys the schema has at each level are followed: an unknown key is reported as
    such, not also as an unknown calendar.
    """
    yield from _walk(model, raw, loc, ())


def _walk(model: type[BaseModel], raw: Any, loc: Loc, inside: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(raw, list):
        for index, child in enumerate(raw):
            yield from _walk(model, child, (*loc, index), (*inside, index))
        return
    if not isinstance(raw, dict):
        return
    here = allowed_keys(model, inside)
    for key, child in raw.items():
        if here and key not in here:
            continue
        if here and key in CALENDAR_FIELDS and isinstance(child, str):
            yield (*loc, key), child
        else:
            yield from _walk(model, child, (*loc, key), (*inside, key))
