"""`/portal/registry/import`: the registry's CSV files (docs/registry.md, "CSV files").
Managers and admins upload a file of one kind, imported all or nothing by the service's
own import (`escalator.registry.import_csv`): a refused file shows the error naming its
line and column and changes nothing. Managers, auditors and admins download each kind
(`/portal/registry/{kind}.csv`), as the import reads it."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import actor_of
from api.deps import EngineDep
from api.pages.registry_pages import RegistryEditor, RegistryFilesReader, manages
from api.pages.rendering import PAGE_HEADERS, not_found_page, page, see_other
from api.routers.registry_csv import MAX_CSV_BYTES
from api.web_session import PostedFiles, SignedInMultipart, Viewer
from escalator import registry
from escalator.registry import CsvKind, RegistryError

router = APIRouter(include_in_schema=False)

COUNTS = ("created", "updated", "unchanged")
# A count in the page's address after an import: at most this many digits.
MAX_COUNT_DIGITS = 9


class FileRefused(Exception):
    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _kind(text: str) -> CsvKind | None:
    return next((kind for kind in registry.CSV_KINDS if kind == text), None)


def _import_page(
    request: Request,
    viewer: Viewer,
    status: int = 200,
    kind: str = "",
    errors: dict[str, str] | None = None,
    summary: dict[str, Any] | None = None,
) -> Response:
    return page(
        request,
        "registry_import.html",
        status,
        viewer=viewer,
        title="Registry files",
        manages=manages(viewer),
        kinds=registry.CSV_KINDS,
        columns={kind: ",".join(columns) for kind, columns in registry.COLUMNS.items()},
        kind=kind,
        errors=errors or {},
        summary=summary,
        max_bytes=MAX_CSV_BYTES,
    )


def _summary(imported: str, counts: dict[str, str]) -> dict[str, Any] | None:
    """What an import did, from the address the import sent the viewer to (or None)."""
    kind = _kind(imported)
    numbers = {
        name: int(text)
        for name, text in counts.items()
        if text.isascii() and text.isdigit() and len(text) <= MAX_COUNT_DIGITS
    }
    if kind is None or len(numbers) != len(COUNTS):
        return None
    return {"kind": kind, **numbers}


@router.get("/registry/import")
def import_form(
    request: Request,
    viewer: RegistryFilesReader,
    imported: str = "",
    created: str = "",
    updated: str = "",
    unchanged: str = "",
) -> Response:
    counts = {"created": created, "updated": updated, "unchanged": unchanged}
    return _import_page(request, viewer, kind=imported, summary=_summary(imported, counts))


async def _file_text(posted: PostedFiles) -> str:
    uploads = posted.files.get("file", [])
    if not uploads:
        raise FileRefused("file", "choose a CSV file")
    if len(uploads) > 1:
        raise FileRefused("file", "choose one file")
    raw = await uploads[0].read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise FileRefused("file", f"a registry file may not exceed {MAX_CSV_BYTES:,} bytes", 413)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("file", "is not UTF-8 text (save the CSV file as UTF-8)") from None


def _import(engine: Engine, kind: CsvKind, text: str, actor: str) -> registry.ImportSummary:
    with Session(engine) as session:
        return registry.import_csv(session, kind, text, actor)


@router.post("/registry/import")
async def import_file(
    request: Request, viewer: RegistryEditor, posted: SignedInMultipart, engine: EngineDep
) -> Response:
    chosen = posted.fields.get("kind", "")
    kind = _kind(chosen)
    try:
        if kind is None:
            raise FileRefused("kind", "choose the kind of records the file holds")
        text = await _file_text(posted)
        actor = actor_of(viewer.identity)
        summary = await run_in_threadpool(_import, engine, kind, text, actor)
    except FileRefused as refused:
        errors = {refused.field: refused.message}
        return _import_page(request, viewer, refused.status, chosen, errors)
    except registry.CsvRowError as error:
        # The line (and the column) at fault: nothing of the file was applied.
        return _import_page(request, viewer, 422, chosen, {"file": error.detail})
    except RegistryError as error:
        status = 409 if isinstance(error, registry.RegistryDuplicate) else 422
        return _import_page(request, viewer, status, chosen, {"file": error.detail})
    counts = "&".join(f"{name}={getattr(summary, name)}" for name in COUNTS)
    return see_other(f"/portal/registry/import?imported={kind}&{counts}#result")


@router.get("/registry/{kind}.csv")
def export_file(
    request: Request, kind: str, viewer: RegistryFilesReader, engine: EngineDep
) -> Response:
    chosen = _kind(kind)
    if chosen is None:
        return not_found_page(request, viewer)
    with Session(engine) as session:
        text = registry.export_csv(session, chosen)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="{chosen}.csv"',
        },
    )
