"""The inbound SMTP listener (aiosmtpd): every message delivered to it goes to e-mail intake.

`escalator smtp` runs it alone; `escalator up` runs it as one of its children.
A message is answered 250 once it is stored (whatever then becomes of it:
a case, a reply, or kept with its reason); 451 only if it could not be stored,
so the sender retries and nothing is lost.
"""

import asyncio
import logging
import signal
import uuid

from aiosmtpd.smtp import SMTP, Envelope, Session

from escalator.infra.db import engine_from_url
from escalator.infra.logs import configure_logging, log_context
from escalator.infra.settings import Settings, get_settings
from escalator.infra.temporal_client import connect
from escalator.intake.mail import MailIntake, NotStored

log = logging.getLogger("escalator.smtp")


class IntakeHandler:
    """aiosmtpd's handler: DATA goes to `MailIntake`, with the envelope's recipients."""

    def __init__(self, intake: MailIntake) -> None:
        self.intake = intake

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # One line per message (who from, to whom, what became of it), never the conversation.
        with log_context(request_id=uuid.uuid4().hex):
            return await self._deliver(envelope)

    async def _deliver(self, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw or "").encode()
        recipients = [str(r).lower() for r in envelope.rcpt_tos]
        try:
            result = await self.intake.receive(data, "smtp", envelope_recipients=recipients)
        except NotStored:
            log.exception("inbound message from %s not stored", envelope.mail_from)
            return "451 Requested action aborted: local error in processing; try again later"
        except Exception:
            # Stored (kept, with the error as its reason) unless storing itself failed.
            log.exception("inbound message from %s not processed", envelope.mail_from)
            return "250 Message accepted; kept for a person to look at"
        log.info(
            "inbound message %s from %s: %s",
            result.message_id,
            envelope.mail_from,
            result.outcome,
            extra={"inbound_id": result.message_id, "outcome": result.outcome, "bytes": len(data)}
            | ({"case_id": result.case.id} if result.case else {}),
        )
        return f"250 Message accepted ({result.outcome}, inbound {result.message_id})"


async def start_listener(
    intake: MailIntake, host: str, port: int, max_bytes: int
) -> asyncio.Server:
    """Listen on `host`:`port` in the running loop; the caller closes the server."""
    loop = asyncio.get_running_loop()
    handler = IntakeHandler(intake)
    return await loop.create_server(
        lambda: SMTP(handler, data_size_limit=max_bytes, hostname="escalator", ident="Escalator"),
        host=host,
        port=port,
    )


async def run_smtp(settings: Settings | None = None) -> None:
    """Run the listener until SIGINT or SIGTERM."""
    settings = settings or get_settings()
    configure_logging("smtp", settings.log_format, settings.log_level)
    engine = engine_from_url(settings.database_url)
    client = await connect(settings, lazy=True)
    intake = MailIntake(engine, client, settings)
    server = await start_listener(
        intake, settings.smtp_listen_host, settings.smtp_listen_port, settings.email_max_bytes
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("SMTP intake listening on %s:%s", settings.smtp_listen_host, settings.smtp_listen_port)
    async with server:
        await stop.wait()
    engine.dispose()
