"""A record as it will be after a change: its current fields, those the change names
replaced, validated as a new record would be; refusals name the field."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from escalator.registry.errors import RegistryInvalid

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        # "Value error, " is how pydantic prefixes a validator's own message.
        msg = first["msg"].removeprefix("Value error, ")
        raise RegistryInvalid(msg, loc=list(first["loc"])) from None


def merged(model: type[M], current: dict[str, Any], changes: BaseModel) -> M:
    """`current` (the row's fields `model` takes) with the fields `changes` sets."""
    kept = {name: value for name, value in current.items() if name in model.model_fields}
    return validated(model, {**kept, **changes.model_dump(exclude_unset=True)})
