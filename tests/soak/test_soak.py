"""Soak: 80 cases with timers firing and steps arriving, on a worker that caches 5 workflows.

The history of tests/fixtures/nondeterministic-case-history.json came from such a run: with
most workflow tasks replayed from history, one case in 80 recorded a history no code
replays. Here every case's timers (a warning at 1 minute, breaches at 2 and 3, repeats
and an escalation after) fire while engineers add notes and acknowledge through the API;
then every history must replay (`escalator replay --all`, as an operator runs it, exits
0) and every e-mail and page the cases scheduled must have arrived exactly once.
About five minutes of real time.
"""

import asyncio
import os
import random
import subprocess
import sys
import time

from pydantic import SecretStr

from tests.live_stack import LiveStack, live_stack
from tests.receivers import ROUTING_KEY, paging_receiver, smtp_server
from tests.soak.delivery import FASTTEST, arrived, assert_each_once, intake, owed, settled

CASES = 80
CACHE = 5
# Steps arrive for this long; the policy's last timed action falls 4 minutes after intake.
STEPS_FOR = 200.0


async def work(stack: LiveStack, case_id: str, until: float, rng: random.Random) -> None:
    """Notes every few seconds, keyed (a 503 is retried with the same key), and once an
    acknowledgement, as an engineer at a busy desk would."""
    engineer = stack.headers("engineer")
    number = 0
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(4, 20))
        number += 1
        if number == 3:
            path, body = f"/cases/{case_id}/acknowledge", None
        else:
            path, body = f"/cases/{case_id}/add-note", {"text": f"note {number}"}
        key = {"Idempotency-Key": f"{case_id}-{number}"}
        for _attempt in range(5):
            answer = await stack.api.post(path, json=body, headers=engineer | key)
            if answer.status_code != 503:
                break
        assert answer.status_code in (200, 409), answer.text


async def test_soak_with_a_small_workflow_cache() -> None:
    rng = random.Random(13)
    with smtp_server() as (smtp_port, mailbox), paging_receiver() as (paging_url, pages):
        async with live_stack(
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            paging_url=paging_url,
            paging_routing_key=SecretStr(ROUTING_KEY),
            worker_cache_size=CACHE,
        ) as stack:
            stack.publish(FASTTEST)
            engineer = stack.headers("engineer")
            async with stack.worker():
                case_ids = []
                for number in range(CASES):
                    key = {"Idempotency-Key": f"soak-{number}"}
                    opened = await stack.api.post(
                        "/cases", json=intake(number), headers=engineer | key
                    )
                    assert opened.status_code == 201, opened.text
                    case_ids.append(opened.json()["id"])
                until = time.monotonic() + STEPS_FOR
                await asyncio.gather(*(work(stack, case, until, rng) for case in case_ids))
                # The last timed action is 4 minutes after intake; then the outbox drains.
                await asyncio.sleep(max(0.0, 250 - STEPS_FOR))
                await settled(stack, case_ids, within=180)
            # Replayed as an operator replays them: the command, against the dev server.
            env = os.environ | {
                "ESCALATOR_TEMPORAL_ADDRESS": stack.settings.temporal_address,
                "ESCALATOR_DATABASE_URL": stack.settings.database_url,
            }
            replay = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "escalator", "replay", "--all"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert replay.returncode == 0, replay.stdout[-3000:] + replay.stderr[-3000:]
            assert f"{CASES} cases replayed: 0 non-deterministic, 0 unreadable" in replay.stdout
            owed_mails, owed_pages = await owed(stack.client, case_ids, stack.settings.smtp_from)
    mails, paged = arrived(mailbox, pages)
    # Each case: its acknowledgement, the ticket number, a warning, pages on both breaches
    # (one repeated), an escalation's notice, and acknowledgements of the pages before it.
    assert len(owed_mails) >= 3 * CASES and len(owed_pages) >= 3 * CASES
    assert_each_once(owed_mails, mails, "e-mails")
    assert_each_once(owed_pages, paged, "pages")
