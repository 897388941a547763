"""Working alert receipts: a webhook is checked whole and recorded, then its alerts are worked
in the background, at most CONCURRENCY at a time across all receipts of this process, each
alert's row updated as it ends. The caller waits up to the bound on calls that wait on
workflows (ESCALATOR_WORKFLOW_WAIT_SECONDS): every alert done by then, it has the results;
otherwise the receipt, which it reads as the alerts progress.

Every effect is idempotent, so an alert worked twice (a retry, or a receipt resumed after
the API stopped mid-way) opens no second case and adds no second note: a firing alert's case
id derives from its episode and the case's memo names the receipt item that started it; a
note's idempotency key is the receipt item (a resolution's: the case's one resolution).
"""

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client

from escalator.cases import CaseBusy, CaseError, Visible
from escalator.infra.settings import Settings
from escalator.intake.alert_receipts import (
    finish,
    item_key,
    pending_alerts,
    pending_receipts,
    record,
)
from escalator.intake.alerts import (
    AlertOutcome,
    AlertResults,
    AlertWork,
    Checked,
    Planned,
    Target,
    check,
)
from models.intake.alerts import AlertmanagerWebhook

log = logging.getLogger("escalator.intake.alerts")

# Alerts worked at once by one API process (a case opens in some 70-100 ms of server work).
CONCURRENCY = 10
# What a retry may cure (no worker, Temporal or the database briefly away) is retried, the
# wait doubling up to RETRY_MAX_DELAY, for RETRY_FOR seconds; then the alert has failed.
RETRY_FOR = 120.0
RETRY_MAX_DELAY = 15.0
# The share of the bound spent waiting for the alerts: the rest is for answering (reading
# the receipt of up to 1,000 alerts while they are worked takes a moment).
ANSWER_SHARE = 0.8


@dataclass(frozen=True)
class Received:
    receipt_id: int
    # Every alert's outcome when all were done within the bound; else None (read the receipt).
    results: AlertResults | None


def failed(planned: Planned, reason: str) -> AlertOutcome:
    return AlertOutcome(
        fingerprint=planned.alert.fingerprint,
        status=planned.alert.status,
        outcome="failed",
        case_id=planned.case_id if planned.intake is not None else None,
        reason=reason,
    )


class AlertReceipts:
    """The app's one worker of alert receipts: it owns the tasks that work them (cancelled by
    `close`; what they left pending is resumed by `resume` when the API starts again)."""

    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.work = AlertWork(client, settings)
        self.gate = asyncio.Semaphore(CONCURRENCY)
        self.tasks: set[asyncio.Task[Any]] = set()

    async def receive(
        self,
        hook: AlertmanagerWebhook,
        policy: str,
        org: str | None,
        visible: Visible,
        received_by: str,
    ) -> Received:
        """Check the whole webhook (`InvalidField` or `NotPermitted`, nothing accepted), record
        it, and work its alerts; wait for them up to the bound."""
        loop = asyncio.get_running_loop()
        answer_by = loop.time() + self.settings.workflow_wait_seconds * ANSWER_SHARE
        now = datetime.now(UTC)
        checked = await asyncio.to_thread(check, self.engine, hook, policy, org, visible, now)
        # Shielded: once recorded, its alerts are worked even if the caller has gone.
        receipt_id, task = await asyncio.shield(self._spawn(self._accept(checked, received_by)))
        # `wait`, not `wait_for`: the alerts are worked whether or not the caller still waits.
        done, _ = await asyncio.wait({task}, timeout=max(answer_by - loop.time(), 0))
        if task in done and not task.cancelled() and task.exception() is None:
            return Received(receipt_id, AlertResults(results=task.result(), receipt_id=receipt_id))
        return Received(receipt_id, None)

    async def _accept(
        self, checked: Checked, received_by: str
    ) -> tuple[int, "asyncio.Task[list[AlertOutcome]]"]:
        """Record the receipt, then start working its alerts."""
        receipt_id = await asyncio.to_thread(record, self.engine, checked, received_by)
        count = len(checked.alerts)
        log.info("alert receipt %s: %d alerts from %s", receipt_id, count, received_by)
        return receipt_id, self._spawn(
            self._work(receipt_id, checked.target, checked.alerts, resumed=False)
        )

    def resume(self) -> None:
        """Work, in the background, every receipt a stopped API left with pending alerts."""
        self._spawn(self._resume())

    async def close(self) -> None:
        """Stop working receipts; what is pending stays so, and is resumed at the next start."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        self.tasks.add(task)  # a reference, so the task is not collected while it runs
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("working alert receipts failed: %r", error, exc_info=error)

    async def _resume(self) -> None:
        try:
            receipts = await asyncio.to_thread(pending_receipts, self.engine)
        except Exception as error:  # the database away, or not yet migrated: say so, start
            log.warning("cannot look for pending alert receipts: %s", error)
            return
        for receipt_id in receipts:
            try:
                target, planned, failures = await asyncio.to_thread(
                    pending_alerts, self.engine, receipt_id
                )
            except Exception:
                log.exception("cannot resume alert receipt %s", receipt_id)
                continue
            log.info(
                "resuming alert receipt %s: %d alerts pending (%d no longer possible)",
                receipt_id,
                len(planned),
                len(failures),
            )
            self._spawn(self._work(receipt_id, target, planned, resumed=True))

    async def _work(
        self, receipt_id: int, target: Target, alerts: list[Planned], resumed: bool
    ) -> list[AlertOutcome]:
        return list(
            await asyncio.gather(*(self._item(receipt_id, target, p, resumed) for p in alerts))
        )

    async def _item(
        self, receipt_id: int, target: Target, planned: Planned, resumed: bool
    ) -> AlertOutcome:
        """Work one alert, retrying what a retry may cure; its row records the outcome."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + RETRY_FOR
        delay = 1.0
        key = item_key(receipt_id, planned.index)
        while True:
            async with self.gate:
                outcome = await self._attempt(target, planned, key, resumed, loop.time() > give_up)
                if outcome is not None:
                    await self._record(receipt_id, planned, outcome)
                    return outcome
            # A later attempt may find the case an earlier one started.
            resumed = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY)

    async def _attempt(
        self, target: Target, planned: Planned, key: str, resumed: bool, last: bool
    ) -> AlertOutcome | None:
        """The alert's outcome, or None to try again later."""
        try:
            return await self.work.one(target, planned, key, resumed)
        except CaseBusy as error:
            reason = error.detail
        except CaseError as error:  # nothing a retry cures
            return failed(planned, error.detail)
        except Exception as error:  # Temporal or the database away, or a bug: logged
            log.warning("alert %s: %r", planned.alert.fingerprint, error, exc_info=error)
            reason = str(error) or type(error).__name__
        if last:
            return failed(planned, f"gave up after {RETRY_FOR:g} s: {reason}")
        return None

    async def _record(self, receipt_id: int, planned: Planned, outcome: AlertOutcome) -> None:
        try:
            await asyncio.to_thread(finish, self.engine, receipt_id, planned.index, outcome)
        except Exception:
            # Left pending: worked again (to the same outcome) when the API next starts.
            log.exception("alert receipt %s: cannot record alert %s", receipt_id, planned.index)
