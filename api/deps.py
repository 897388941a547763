"""Request dependencies, as `Annotated` aliases routes declare their parameters with:
`engine: EngineDep`, `client: ClientDep`, `idempotency_key: IdempotencyKey`."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from escalator.infra.settings import Settings
from escalator.intake.alert_runner import AlertReceipts


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(get_engine(request)) as session:
        yield session


def get_client(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_alert_receipts(request: Request) -> AlertReceipts:
    receipts: AlertReceipts = request.app.state.alert_receipts
    return receipts


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
ClientDep = Annotated[Client, Depends(get_client)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# The app's worker of alert receipts (escalator/intake/alert_runner.py).
AlertReceiptsDep = Annotated[AlertReceipts, Depends(get_alert_receipts)]
# Retries with the same key (and body) answer what the first request did.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A retry with the same key and body gets the first answer.",
    ),
]
