"""The FastAPI application: routers, error handling, and its connections."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp
from temporalio.client import Client

from api.encoded_slashes import RefuseEncodedSlashes
from api.input_checks import refuse_unstorable_input
from api.openapi import UNAVAILABLE, install_openapi, operation_id
from api.pages import account as account_pages
from api.pages import audit_pages, case_page, credit_pages, desk, manage, workspace
from api.pages import registry_orgs as registry_pages
from api.pages.rendering import install_pages
from api.problems import install_problem_handlers
from api.request_log import RequestLog
from api.routers import (
    alert_receipts,
    attachments,
    audit,
    cases,
    credits,
    field_steps,
    health,
    intake,
    metrics,
    policies,
    registry_csv,
    registry_orgs,
    registry_systems,
    reports,
    steps,
)
from escalator.infra.db import engine_from_url
from escalator.infra.settings import Settings, get_settings
from escalator.infra.temporal_client import connect
from escalator.intake.alert_runner import AlertReceipts


class EscalatorApp(FastAPI):
    """FastAPI with the request log and metrics around everything, Starlette's error
    middleware included: a 500, or a 503 for Temporal or the database down, is answered
    there, and must still be counted with its status and carry its X-Request-ID."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestLog(super().build_middleware_stack())


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    client: Client | None = None,
) -> FastAPI:
    """The app; tests pass their own engine and Temporal client."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = engine or engine_from_url(settings.database_url)
        # Lazy: the API starts (and /healthz says why) even while Temporal is down.
        app.state.temporal = client or await connect(settings, lazy=True)
        # Alerts of webhooks are worked in the background; what a stopped API left pending
        # is worked again now (escalator/intake/alert_runner.py).
        receipts = AlertReceipts(app.state.engine, app.state.temporal, settings)
        app.state.alert_receipts = receipts
        receipts.resume()
        yield
        await receipts.close()
        if engine is None:
            app.state.engine.dispose()

    app = EscalatorApp(
        title="Escalator",
        version="0.1.0",
        description="Escalation orchestrator for technical support.",
        lifespan=lifespan,
        # Every route but /healthz looks up the caller's key in the database.
        responses=UNAVAILABLE,
        generate_unique_id_function=operation_id,
        # Every route: no NUL or control character in a path segment, query or JSON string.
        dependencies=[Depends(refuse_unstorable_input)],
    )
    install_problem_handlers(app)
    install_openapi(app)
    install_pages(app)
    app.add_middleware(RefuseEncodedSlashes)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(cases.router)
    app.include_router(attachments.router)
    # Before the step router: POST /cases/{id}/replay is not a step.
    app.include_router(audit.router)
    app.include_router(reports.router)
    app.include_router(steps.router)
    app.include_router(field_steps.router)
    app.include_router(intake.router)
    app.include_router(alert_receipts.router)
    app.include_router(policies.router)
    app.include_router(registry_orgs.router)
    app.include_router(registry_systems.router)
    app.include_router(registry_csv.router)
    app.include_router(credits.router)
    app.include_router(account_pages.router)
    # Before the case page: /portal/cases/new and the queues are not case ids.
    app.include_router(desk.router)
    app.include_router(workspace.router)
    app.include_router(manage.router)
    app.include_router(audit_pages.router)
    app.include_router(registry_pages.router)
    app.include_router(credit_pages.router)
    app.include_router(case_page.router)
    return app
