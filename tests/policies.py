"""Helpers to put a policy version in a test database without the policy store."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from models.policy import load_policy
from models.tables.core import PolicyVersionRow

# The real example policy zsupport, as `escalator up` publishes it.
ZSUPPORT = (
    load_policy(
        (
            Path(__file__).resolve().parents[1] / "escalator" / "policies" / "zsupport.yaml"
        ).read_text()
    )
    .resolved()
    .to_body()
)


def store_policy_version(
    session: Session, name: str, body: dict[str, Any], version: int = 1
) -> None:
    session.add(
        PolicyVersionRow(
            name=name,
            version=version,
            body=body,
            source="",
            sha256="0" * 64,
            published_at=datetime.now(UTC),
        )
    )
    session.commit()
