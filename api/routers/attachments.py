"""`GET /cases/{case_id}/attachments/{attachment_id}`: a file that came with a case.

Whoever may read the case may download its files: partners their organisation's only
(another organisation's case, like an unknown one, is 404), auditors and staff all.
The file is sent as an attachment with its stored content type, never sniffed; its
stored name is only a suggested name, never a path.
"""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Path, Response

from api.attachments import attachment_file, content_disposition, download_name, media_type
from api.auth import IdentityDep, current_identity, visible
from api.deps import ClientDep, EngineDep
from api.problems import Problem
from escalator import cases

router = APIRouter(
    prefix="/cases",
    tags=["cases"],
    dependencies=[Depends(current_identity)],
    responses={401: {"description": "No API key, or an unknown or revoked one"}},
)

_HEADER = {"schema": {"type": "string"}, "required": True}
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes, as the `Content-Type` it came with",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {
            "Content-Disposition": {
                **_HEADER,
                "description": "`attachment`, with the stored name (its last path segment) "
                "as `filename` (ASCII) and `filename*` (UTF-8, RFC 6266)",
            },
            "X-Content-Type-Options": {**_HEADER, "description": "`nosniff`"},
        },
    },
    404: {"description": "No such case or attachment, or a case of another organisation"},
}


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    operation_id="get_case_attachment",
    response_class=Response,
    responses=DOWNLOAD,
)
async def get_case_attachment(
    case_id: str,
    identity: IdentityDep,
    client: ClientDep,
    engine: EngineDep,
    # The `id` the case's `attachments` list gives; bounded by the column (INTEGER, 32 bits
    # on PostgreSQL), so a larger number is a 422, not a database error.
    attachment_id: int = Path(ge=1, le=2**31 - 1),
) -> Response:
    await cases.ensure_visible(client, engine, case_id, visible(identity))
    found = await asyncio.to_thread(attachment_file, engine, case_id, attachment_id)
    if found is None:
        raise Problem(404, f"case {case_id!r} has no attachment {attachment_id}")
    name = download_name(found.filename, attachment_id)
    return Response(
        found.content,
        # As a header, not `media_type`: Starlette would add a charset to text it never read.
        headers={
            "Content-Type": media_type(found.content_type),
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )
