"""Configuration, read from environment variables prefixed with ``ESCALATOR_``."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The example policies ship inside the package (package data), so any install finds them.
EXAMPLE_POLICIES = Path(__file__).resolve().parents[1] / "policies"


class Settings(BaseSettings):
    """Every setting of every process; the README lists them."""

    model_config = SettingsConfigDict(env_prefix="ESCALATOR_", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    # TLS to the frontend (Temporal Cloud, a secured cluster): on with `temporal_tls`, or with
    # a client certificate for mTLS; the CA and server name when the server's are private.
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str = ""
    # A Temporal Cloud API key (sent as a bearer token; implies TLS).
    temporal_api_key: SecretStr | None = None
    # Logs: one JSON object per line (for a log pipeline), or `text` for people (`make run`).
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    temporal_namespace: str = "default"
    task_queue: str = "escalator"
    database_url: str = "sqlite:///var/escalator.db"
    # Where `escalator up` keeps the Temporal dev server's SQLite file and logs.
    var_dir: Path = Path("var")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Outbound e-mail; with no host, messages are kept in the outbox table only.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "support@escalator.localhost"
    # Inbound e-mail: the SMTP listener of `escalator up` / `escalator smtp`.
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_port: int = 2525
    # Largest inbound message accepted, and largest attachment stored with a case (bytes);
    # a larger attachment is listed but its bytes stay only in the kept raw message.
    email_max_bytes: int = 25 * 1024 * 1024
    attachment_max_bytes: int = 10 * 1024 * 1024
    # The authserv-id of the organisation's relay: when set, a reply is threaded into its case
    # only if that relay's Authentication-Results authenticate the From domain. Empty: From is
    # taken as written (escalator/intake/mail_authentication.py).
    mail_trusted_authserv_id: str = ""
    # PagerDuty Events v2 endpoint (https://events.pagerduty.com/v2/enqueue); empty: no paging.
    paging_url: str = ""
    # Integration keys: a team's `paging.routing_key` names one of these (JSON object in the
    # environment); a team naming none uses the default. Secrets: never in a policy or history.
    paging_routing_keys: dict[str, SecretStr] = Field(default_factory=dict)
    paging_routing_key: SecretStr | None = None
    # Where people reach this installation: links in pages and e-mails point here.
    public_url: str = "http://127.0.0.1:8000"
    # Workflows a worker keeps in memory; the others replay from history on their next task.
    worker_cache_size: int = Field(default=1000, ge=0)
    # Where a worker serves its Prometheus metrics (the SDK's and cases'); empty: not served.
    worker_metrics_address: str = "127.0.0.1:9464"
    # The longest an API call waits on a case's workflow before answering 503 (seconds).
    workflow_wait_seconds: float = Field(default=10.0, gt=0, le=60)
    # Example policies published by `escalator up` when the database has none.
    policies_dir: Path = EXAMPLE_POLICIES


@lru_cache
def get_settings() -> Settings:
    return Settings()
