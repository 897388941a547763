"""People in the directory: engineers a case can be assigned to (`assign` takes a known
handle), and people who sign in to the portal."""

from sqlalchemy import Engine
from sqlmodel import Session

from escalator.accounts import account_by_handle, create_account, issue_link, redeem_link

PASSWORD = "correct horse battery"


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


def email_of(handle: str, org: str | None = None) -> str:
    return f"{handle}@{org or 'support'}.test"


def add_person(
    engine: Engine, handle: str, role: str, org: str | None = None, time_zone: str = "UTC"
) -> None:
    """An account with its password (`PASSWORD`) set, as if its invitation had been followed;
    it signs in as `email_of(handle, org)`."""
    with Session(engine) as session:
        account = create_account(
            session,
            handle=handle,
            email=email_of(handle, org),
            name=handle.title(),
            role=role,
            org=org,
            time_zone=time_zone,
        )
        redeem_link(session, issue_link(session, account, "invite"), PASSWORD)
