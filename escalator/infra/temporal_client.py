"""The one way every process connects to Temporal: address, namespace, the Pydantic data
converter, and TLS or an API key for Temporal Cloud, all from the settings."""

import asyncio
import logging
import time

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from escalator.infra.settings import Settings

log = logging.getLogger("escalator.temporal")


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS as the settings ask (an API key implies it); False for a plain local server."""
    files = (settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca)
    wanted = settings.temporal_tls or settings.temporal_api_key is not None or any(files)
    if not wanted:
        return False
    if (settings.temporal_tls_cert is None) != (settings.temporal_tls_key is None):
        raise ValueError("ESCALATOR_TEMPORAL_TLS_CERT and ESCALATOR_TEMPORAL_TLS_KEY go together")
    cert, key, ca = (path.read_bytes() if path else None for path in files)
    return TLSConfig(
        server_root_ca_cert=ca,
        domain=settings.temporal_tls_server_name or None,
        client_cert=cert,
        client_private_key=key,
    )


async def connect(
    settings: Settings,
    *,
    address: str | None = None,
    namespace: str | None = None,
    lazy: bool = False,
    runtime: Runtime | None = None,
) -> Client:
    """A client of the settings' server and namespace (or `address` / `namespace`). `lazy`:
    connect on first use, so a process starts (and reports Temporal down) while it is."""
    api_key = settings.temporal_api_key
    return await Client.connect(
        address or settings.temporal_address,
        namespace=namespace or settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=tls_config(settings),
        api_key=api_key.get_secret_value() if api_key is not None else None,
        lazy=lazy,
        runtime=runtime,
    )


async def connect_when_ready(
    settings: Settings,
    *,
    address: str | None = None,
    namespace: str | None = None,
    timeout: float | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """A client once the server answers and the namespace exists, waiting as long as
    `timeout` (None: as long as it takes, as a worker started before its namespace job
    should)."""
    address = address or settings.temporal_address
    namespace = namespace or settings.temporal_namespace
    deadline = None if timeout is None else time.monotonic() + timeout
    last_error: Exception | None = None
    said = 0.0
    while deadline is None or time.monotonic() < deadline:
        try:
            client = await connect(settings, address=address, namespace=namespace, runtime=runtime)
            # The namespace must answer too, not only the frontend.
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=namespace)
            )
            return client
        except Exception as error:  # connection refused, namespace not found, ...
            last_error = error
        if time.monotonic() - said > 10:
            log.info("waiting for Temporal namespace %r at %s: %s", namespace, address, last_error)
            said = time.monotonic()
        await asyncio.sleep(0.25 if timeout is not None else 1.0)
    raise RuntimeError(f"Temporal at {address} did not answer within {timeout:.0f}s: {last_error}")
