"""Pydantic validation errors as issues a manager can act on: document path, line, words."""

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from models.policy.errors import PathPart, PolicyIssue
from models.policy.source import ParsedText

_MISSING = object()
# "hours.mon[0]: message": a validator naming the field inside the model it validates.
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*): (.+)$", re.DOTALL)
_PATH_PART = re.compile(r"([A-Za-z_][\w-]*)|\[(\d+)\]")


def issues_from_validation(
    error: ValidationError, parsed: ParsedText, root: type[BaseModel]
) -> list[PolicyIssue]:
    return [_issue(details, parsed, root) for details in error.errors()]


def _issue(details: ErrorDetails, parsed: ParsedText, root: type[BaseModel]) -> PolicyIssue:
    loc = document_loc(parsed.data, details["loc"])
    message = _message(details, loc, root)
    loc, message = _field_named_in_message(parsed.data, loc, message, root)
    return parsed.issue(loc, message)


def document_loc(data: Any, loc: Sequence[str | int]) -> list[PathPart]:
    """Pydantic's location as a path in the document.

    Drops `[key]` markers, and stops where a scalar stood for a mapping
    (`response: "4 hrs"` is reported at `response`, not `response.duration`).
    """
    out: list[PathPart] = []
    node: Any = data
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(node, dict):
            out.append(part)
            node = node.get(part, _MISSING) if isinstance(part, str) else _MISSING
        elif isinstance(node, list) and isinstance(part, int):
            out.append(part)
            node = node[part] if 0 <= part < len(node) else _MISSING
        elif node is _MISSING:
            out.append(part)
        else:
            break
    return out


def _at(data: Any, loc: Sequence[PathPart]) -> Any:
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def _field_named_in_message(
    data: Any, loc: list[PathPart], message: str, root: type[BaseModel]
) -> tuple[list[PathPart], str]:
    """Move a leading `field.sub[0]: ` of a validator's message into the path."""
    match = _FIELD_PREFIX.match(message)
    if match is None:
        return loc, message
    named: list[PathPart] = [
        name if name else int(index) for name, index in _PATH_PART.findall(match.group(1))
    ]
    for overlap in range(min(len(named), len(loc)), 0, -1):
        if loc[-overlap:] == named[:overlap]:
            return loc + named[overlap:], match.group(2)
    here = _at(data, loc)
    if isinstance(here, dict) and (named[0] in here or named[0] in allowed_keys(root, loc)):
        return loc + named, match.group(2)
    return loc, message


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _message(details: ErrorDetails, loc: list[PathPart], root: type[BaseModel]) -> str:
    kind, value = details["type"], details.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_key(loc, root)
    if kind == "value_error":
        return details["msg"].removeprefix("Value error, ")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {_shown(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {_shown(value)}"
    if kind == "too_short" and isinstance(value, list | dict) and not value:
        return "must not be empty"
    if kind == "string_too_short" and value == "":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        pattern = (details.get("ctx") or {}).get("pattern", "")
        return f"{_shown(value)} does not match {pattern}"
    text = details["msg"]
    text = text[0].lower() + text[1:] if text else "is not valid"
    return f"{_shown(value)}: {text}" if not isinstance(value, dict | list) else text


def _unknown_key(loc: list[PathPart], root: type[BaseModel]) -> str:
    allowed = allowed_keys(root, loc[:-1])
    if not allowed or not loc:
        return "unknown key"
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f'unknown key (did you mean "{close[0]}"?)'
    return f"unknown key (expected one of: {', '.join(allowed)})"


def allowed_keys(root: type[BaseModel], loc: Sequence[PathPart]) -> list[str]:
    """The keys the schema accepts at `loc` (a mapping's path), or [] when not a model there."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _model_field(current, str(part))
            if field is None:
                return []
            current = field
            continue
        origin, args = typing.get_origin(current), typing.get_args(current)
        if origin in (list, tuple) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _model_field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """`Annotated[X, ...]` -> X; `X | None` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
