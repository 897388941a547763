"""People in the directory for tests that assign cases (`assign` takes a known handle)."""

from sqlalchemy import Engine
from sqlmodel import Session

from escalator.accounts import account_by_handle, create_account


def add_engineers(engine: Engine, *handles: str) -> None:
    """Engineer accounts with these handles (once each; an existing one is kept)."""
    with Session(engine) as session:
        for handle in handles:
            if account_by_handle(session, handle) is None:
                create_account(
                    session,
                    handle=handle,
                    email=f"{handle}@support.test",
                    name=handle.title(),
                    role="engineer",
                )
