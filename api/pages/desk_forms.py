"""What the help desk's forms share: their idempotency key, errors by field, text checks,
and files read from an upload.

A form's field names follow the case service's `loc` after "body" (`plan`,
`contact.email`, `fields.serial_numbers`), so a refusal lands beside the input it names.
"""

from collections.abc import Sequence

from pydantic import ValidationError
from starlette.datastructures import UploadFile

from escalator.cases import InvalidField
from escalator.cases.attachments import NewFile, refuse_size
from models.input_text import refusal, refused_character


def field_of(loc: Sequence[str | int] | None) -> str:
    """The form field a `loc` names: `["body", "contact", "email"]` -> `contact.email`."""
    parts = [str(part) for part in loc or []]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "form"


def validation_errors(error: ValidationError) -> dict[str, str]:
    """Field -> message, the first for each field."""
    found: dict[str, str] = {}
    for item in error.errors():
        found.setdefault(field_of(item["loc"]), item["msg"])
    return found


def invalid_field(error: InvalidField) -> dict[str, str]:
    return {field_of(error.loc): error.msg}


def unstorable(fields: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    """Fields among `names` holding a character no text here may hold (line breaks pass)."""
    found: dict[str, str] = {}
    for name in names:
        if (char := refused_character(fields.get(name, ""))) is not None:
            found[name] = refusal(char)
    return found


async def read_files(uploads: Sequence[UploadFile], limit: int, field: str) -> list[NewFile]:
    """The chosen files; `InvalidField` naming `field` for one over `limit` bytes (its size
    is known before it is read, so a huge file is never held in memory)."""
    files: list[NewFile] = []
    for upload in uploads:
        name = upload.filename or ""
        if upload.size is not None:
            refuse_size(name, upload.size, limit, field)
        content = await upload.read(limit + 1)
        refuse_size(name, len(content), limit, field)
        files.append(NewFile(name, upload.content_type or "", content))
    return files


def label_of(name: str) -> str:
    """A field's name as a label: `serial_numbers` -> "Serial numbers"."""
    return name.replace("_", " ").replace("-", " ").capitalize()


def size_text(size: int) -> str:
    """A byte count as people read it: "10 MB", "1.5 kB", "900 bytes"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
