"""The one Temporal client factory: namespace, data converter, TLS and API key from settings."""

from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from escalator.infra.settings import Settings
from escalator.infra.temporal_client import connect, tls_config


def test_a_local_server_gets_no_tls() -> None:
    assert tls_config(Settings()) is False


def test_an_api_key_implies_tls_with_the_system_roots() -> None:
    tls = tls_config(Settings(temporal_api_key="secret"))
    assert isinstance(tls, TLSConfig)
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (None, None, None)


def test_mtls_reads_the_certificate_files(tmp_path: Path) -> None:
    for name in ("cert", "key", "ca"):
        (tmp_path / name).write_bytes(f"-- {name} --".encode())
    tls = tls_config(
        Settings(
            temporal_tls_cert=tmp_path / "cert",
            temporal_tls_key=tmp_path / "key",
            temporal_tls_ca=tmp_path / "ca",
            temporal_tls_server_name="acme.tmprl.cloud",
        )
    )
    assert isinstance(tls, TLSConfig)
    assert tls.client_cert == b"-- cert --"
    assert tls.client_private_key == b"-- key --"
    assert tls.server_root_ca_cert == b"-- ca --"
    assert tls.domain == "acme.tmprl.cloud"


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cert").write_bytes(b"cert")
    with pytest.raises(ValueError, match="go together"):
        tls_config(Settings(temporal_tls_cert=tmp_path / "cert"))


async def test_the_client_carries_the_namespace_converter_and_key() -> None:
    # Lazy: nothing is sent until the first call, so no server is needed here.
    settings = Settings(
        temporal_address="127.0.0.1:1", temporal_namespace="support", temporal_api_key="k1"
    )
    client = await connect(settings, lazy=True)
    assert client.namespace == "support"
    assert client.data_converter is pydantic_data_converter
    assert client.api_key == "k1"
    assert client.service_client.config.tls is not False
    other = await connect(settings, address="127.0.0.1:2", namespace="ops", lazy=True)
    assert (other.namespace, other.service_client.config.target_host) == ("ops", "127.0.0.1:2")
