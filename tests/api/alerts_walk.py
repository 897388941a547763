"""The alert receipts' part of tests/api/test_documented_statuses.py's walk: a webhook answered
202 (on an app whose bound no webhook's cases open within) and its receipt read until every
alert is done, by whoever may read it (200) and by a partner who may not (404)."""

import asyncio
from typing import Any

from tests.api.registry_walk import Walk
from tests.api.test_alert_intake import alert, hook


async def walk_alert_receipts(walk: Walk, storm: Walk, receipt_id: int) -> None:
    """`walk`: the walk's app, whose webhook `receipt_id` was answered 200; `storm`: the same
    database behind an app with a bound of a millisecond."""
    keys = walk.keys
    answered = f"/intake/alerts/receipts/{receipt_id}"
    await walk.expect(200, "GET", answered, keys.engineer)
    await walk.expect(200, "GET", answered, keys.auditor)
    await walk.expect(404, "GET", answered, keys.globex)
    firing = hook("firing", *(alert("firing", f"storm{n}", "warning") for n in range(3)))
    params = {"policy": "maxony", "org": "acme"}
    accepted = await storm.expect(
        202, "POST", "/intake/alerts", keys.engineer, json=firing, params=params
    )
    path = f"/intake/alerts/receipts/{accepted['id']}"
    receipt: dict[str, Any] = accepted
    for _ in range(600):
        receipt = await storm.expect(200, "GET", path, keys.acme)
        if receipt["done"]:
            break
        await asyncio.sleep(0.1)
    assert receipt["counts"]["opened"] == 3, receipt["counts"]
