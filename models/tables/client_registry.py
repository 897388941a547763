"""The client registry the intake checks consult: support contracts, warranties, contacts."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.tables.core import DateTime


class CoverageRow(SQLModel, table=True):
    """A support contract or hardware warranty of a client, at a plan level, until it expires."""

    __tablename__ = "coverage"

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(index=True, max_length=128)
    # "contract" (software and support service) or "warranty" (hardware).
    kind: str = Field(max_length=16)
    # The plan it entitles to, e.g. "premium"; a warranty may name none.
    plan: str | None = Field(default=None, max_length=64)
    reference: str = Field(max_length=128)
    starts_at: datetime = Field(sa_type=DateTime())
    expires_at: datetime = Field(sa_type=DateTime())


class AuthorisedContactRow(SQLModel, table=True):
    """Someone a client designated to open cases (others are accepted but billable)."""

    __tablename__ = "authorised_contacts"

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(index=True, max_length=128)
    email: str = Field(index=True, max_length=320)
    name: str | None = Field(default=None, max_length=200)
