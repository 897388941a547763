"""Idempotent steps: the Temporal update id of an `Idempotency-Key`, and a step's digest.

A step sent with `Idempotency-Key` runs as the Update whose id is derived from
the caller's scope and the key, so Temporal itself runs it at most once and
answers a retry with the first outcome. The workflow records, per such update
id, the digest of the step it ran (`step_digest`); the API compares it with the
digest of the request in hand to tell a retry (same digest) from a reuse of the
key for another request (a 409). The API and the workflow compute the digest
with this one function, so they always agree.
"""

import hashlib
import json

from pydantic import BaseModel

# Update ids of keyed steps start with this; the workflow records only those.
KEYED_PREFIX = "step-key-"


def step_update_id(scope: str, key: str) -> str:
    """The update id of `key` sent by a caller of `scope` (a partner's org, or staff)."""
    digest = hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()
    return f"{KEYED_PREFIX}{digest[:32]}"


def is_keyed(update_id: str) -> bool:
    return update_id.startswith(KEYED_PREFIX)


def step_digest(step: str, body: BaseModel) -> str:
    """SHA-256 of the step's name and body as parsed, so key order and spacing do not matter."""
    canonical = json.dumps(
        {"step": step, "body": body.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
