"""Checking a policy draft and publishing it (managers and admins).

The draft is pasted or uploaded, and checked by the code the API and the CLI use
(`models.policy.load_policy`): every problem is shown beside its line. A valid draft
shows what it would publish (its name, the next version, the difference from the latest
version) and a form that sends the same text to `publish`, which validates it again and
stores it as `POST /policies` does: text identical to the latest version adds no version.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import actor_of
from api.deps import EngineDep
from api.pages.policy_source import DiffLine, diff_lines, source_lines
from api.pages.rendering import page, see_other
from api.routers.policies import MAX_POLICY_BYTES
from api.web_session import ManagerViewer, PostedFiles, SignedInForm, SignedInMultipart, Viewer
from escalator import policy_store
from models.input_text import refusal, refused_character
from models.policy import load_policy
from models.policy.errors import PolicyError, PolicyIssue

router = APIRouter(include_in_schema=False)

TOO_LARGE = f"a policy file may not exceed {MAX_POLICY_BYTES:,} bytes"


class DraftRefused(ValueError):
    """The draft cannot even be checked: which field, why, and the answer's status."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass(frozen=True)
class DraftCheck:
    """What checking a draft found: its problems, or what publishing it would do."""

    issues: list[PolicyIssue] = field(default_factory=list)
    name: str = ""
    next_version: int = 1
    # The latest version, when the policy has one, and the draft's difference from it.
    latest: int | None = None
    identical: bool = False
    changes: list[DiffLine] = field(default_factory=list)


def usable_text(text: str, field: str) -> str:
    """The draft as the pages check and store it; DraftRefused naming `field` otherwise.

    Browsers send a textarea's lines with CRLF: lines end with LF here, whichever way the
    draft came, so the same file checked twice is the same text (and the same version)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise DraftRefused(field, TOO_LARGE, 413)
    text = text.replace("\r\n", "\n")
    if (char := refused_character(text)) is not None:
        raise DraftRefused(field, refusal(char))
    if not text.strip():
        raise DraftRefused(field, "paste a policy or choose a file")
    return text


async def draft_text(posted: PostedFiles) -> str:
    """The uploaded file when one was chosen, else the pasted text."""
    uploads = posted.files.get("file", [])
    if len(uploads) > 1:
        raise DraftRefused("file", "choose one file")
    if uploads:
        raw = await uploads[0].read(MAX_POLICY_BYTES + 1)
        if len(raw) > MAX_POLICY_BYTES:
            raise DraftRefused("file", TOO_LARGE, 413)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DraftRefused("file", "is not UTF-8 text (a YAML or JSON file)") from None
        return usable_text(text, "file")
    return usable_text(posted.fields.get("text", ""), "text")


def check_draft(engine: Engine, text: str) -> DraftCheck:
    try:
        policy = load_policy(text)
    except PolicyError as error:
        return DraftCheck(issues=error.issues)
    with Session(engine) as session:
        latest = policy_store.latest(session, policy.name)
    if latest is None:
        return DraftCheck(name=policy.name)
    identical = latest.sha256 == policy_store.sha256_of(text)
    changes = policy_store.diff_bodies(latest.body, policy.resolved().to_body())
    return DraftCheck(
        name=policy.name,
        next_version=latest.version if identical else latest.version + 1,
        latest=latest.version,
        identical=identical,
        changes=diff_lines(changes),
    )


def draft_page(
    request: Request,
    viewer: Viewer,
    text: str = "",
    check: DraftCheck | None = None,
    errors: dict[str, str] | None = None,
    status: int | None = None,
) -> Response:
    context: dict[str, Any] = {"viewer": viewer, "title": "Check a policy draft", "text": text}
    if check is not None and check.issues:
        lines, unplaced = source_lines(text, check.issues)
        context.update(lines=lines, unplaced=unplaced)
        status = status or 422
    return page(
        request,
        "policy_draft.html",
        status or (422 if errors else 200),
        check=check,
        errors=errors or {},
        max_bytes=MAX_POLICY_BYTES,
        **context,
    )


@router.get("/policies/draft")
def draft_form(request: Request, viewer: ManagerViewer) -> Response:
    return draft_page(request, viewer)


@router.post("/policies/draft")
async def check_posted_draft(
    request: Request, viewer: ManagerViewer, posted: SignedInMultipart, engine: EngineDep
) -> Response:
    try:
        text = await draft_text(posted)
    except DraftRefused as refused:
        return draft_page(
            request,
            viewer,
            posted.fields.get("text", ""),
            errors={refused.field: refused.message},
            status=refused.status,
        )
    check = await run_in_threadpool(check_draft, engine, text)
    return draft_page(request, viewer, text, check)


@router.post("/policies/publish")
async def publish_draft(
    request: Request, viewer: ManagerViewer, form: SignedInForm, engine: EngineDep
) -> Response:
    """Publish the checked text: 303 to the version it made (or the identical latest one)."""
    try:
        text = usable_text(form.get("text", ""), "text")
    except DraftRefused as refused:
        errors = {refused.field: refused.message}
        return draft_page(request, viewer, errors=errors, status=refused.status)
    try:
        published = await run_in_threadpool(_publish, engine, text, actor_of(viewer.identity))
    except PolicyError as error:
        # Changed since it was checked: show its problems as the check does.
        return draft_page(request, viewer, text, DraftCheck(issues=error.issues))
    row = published.row
    outcome = "new" if published.created else "same"
    return see_other(
        f"/portal/policies/{quote(row.name, safe='')}?version={row.version}&published={outcome}"
    )


def _publish(engine: Engine, text: str, actor: str) -> policy_store.Published:
    with Session(engine) as session:
        return policy_store.publish_text(session, text, actor)
