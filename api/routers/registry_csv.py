"""`/registry/{kind}.csv`: the registry as CSV files, one per kind (docs/registry.md lists
their columns). `GET` exports what the caller may read; `POST` (managers, admins) imports a
file all or nothing: the first bad row is a 422 naming its line and column
(`loc: ["body", 4, "email"]`), and nothing of the file is applied."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.auth import ManagesRegistry, actor_of, current_identity
from api.deps import SessionDep
from api.problems import Problem
from api.registry_view import UNAUTHENTICATED, WRITE_REFUSED, RegistryView
from escalator import registry

router = APIRouter(
    prefix="/registry",
    tags=["registry"],
    dependencies=[Depends(current_identity)],
    responses=UNAUTHENTICATED,
)

# Tens of thousands of rows; anything much larger is a mistake.
MAX_CSV_BYTES = 5_000_000
CSV = "text/csv"
_FILE = {"type": "string", "format": "binary"}


class ImportResult(BaseModel):
    """What the file did: rows that created a record, changed one, or changed nothing."""

    kind: registry.CsvKind
    created: int
    updated: int
    unchanged: int


@router.get(
    "/{kind}.csv",
    operation_id="export_registry_csv",
    response_class=Response,
    responses={
        200: {
            "description": "The file, with its header (the columns of its kind)",
            "content": {CSV: {"schema": _FILE}},
        }
    },
)
def export_registry_csv(
    kind: registry.CsvKind, session: SessionDep, visible: RegistryView
) -> Response:
    text = registry.export_csv(session, kind, visible)
    return Response(
        text,
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A CSV file of the kind, UTF-8, its header first (docs/registry.md).",
        "content": {CSV: {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/{kind}.csv",
    response_model=ImportResult,
    operation_id="import_registry_csv",
    openapi_extra=_BODY_DOC,
    responses={
        **WRITE_REFUSED,
        413: {"description": f"The file exceeds {MAX_CSV_BYTES:,} bytes"},
        415: {"description": "Not sent as text/csv"},
    },
)
async def import_registry_csv(
    kind: registry.CsvKind, request: Request, identity: ManagesRegistry, session: SessionDep
) -> ImportResult:
    """Create or update a record per row, by natural key; nothing at all when a row is wrong."""
    text = await _csv_text(request)
    summary = await run_in_threadpool(registry.import_csv, session, kind, text, actor_of(identity))
    return ImportResult(
        kind=summary.kind,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
    )


async def _csv_text(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != CSV:
        raise Problem(415, f"send the file as {CSV}, not {media_type or 'no content type'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_CSV_BYTES:
        raise Problem(413, f"a registry file may not exceed {MAX_CSV_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise Problem(413, f"a registry file may not exceed {MAX_CSV_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(
            422, "the file is not UTF-8 text", [{"loc": ["body"], "msg": "not UTF-8 text"}]
        ) from None
