"""Monthly SLA attainment: pure arithmetic over per-target outcomes (see docs/audit.md).

Method
- One outcome per case and target kind (response, restoration, resolution,
  tier_response), as the projection last recorded it (`SlaOutcomeRow`).
- A case counts in the month (UTC) in which it was received.
- met: the target was met on time (`met_at` set and not breached).
- breached: the target was missed (whether or not it was met later).
- open: neither yet (still running, or paused waiting on the customer).
- attainment = met / (met + breached), in percent with one decimal; None while no target
  of the group is decided. Open targets are counted but excluded from attainment.
- Groups: policy, plan, tier, severity, target kind. The tier is the case's tier when last
  projected, except for tier_response, whose clock belongs to the tier it measures.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel

from models.case.resource import Case
from models.tables.audit import SlaOutcomeRow

Outcome = Literal["met", "breached", "open"]


def outcome_of(row: SlaOutcomeRow) -> Outcome:
    if row.breached:
        return "breached"
    if row.met_at is not None:
        return "met"
    return "open"


def sla_outcome_rows(case: Case) -> list[SlaOutcomeRow]:
    """The case's SLA section as outcome rows (what the projection writes)."""
    rows = []
    for kind, target in case.sla.items():
        tier = case.tier
        if kind == "tier_response" and target.target.endswith(")") and " (" in target.target:
            # "4h (level1)": the tier whose response the clock measures.
            tier = target.target.rsplit(" (", 1)[1][:-1]
        rows.append(
            SlaOutcomeRow(
                case_id=case.id,
                kind=kind,
                policy=case.policy,
                policy_version=case.policy_version,
                plan=case.plan,
                tier=tier,
                severity=case.severity,
                target=target.target[:64],
                received_at=case.received_at,
                due_at=target.due_at,
                met_at=target.met_at,
                breached=target.breached,
                revision=case.revision,
            )
        )
    return rows


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`2026-11` -> [2026-11-01T00:00Z, 2026-12-01T00:00Z); ValueError naming the problem."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as error:
        raise ValueError("must be a month as YYYY-MM, e.g. 2026-11") from error
    if len(month) != 7:
        raise ValueError("must be a month as YYYY-MM, e.g. 2026-11")
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime(first.year, first.month, 1, tzinfo=UTC),
        datetime(after.year, after.month, 1, tzinfo=UTC),
    )


class AttainmentLine(BaseModel):
    policy: str
    plan: str
    tier: str | None
    severity: str | None
    kind: str
    cases: int
    met: int
    breached: int
    open: int
    # met / (met + breached) in percent; None while nothing is decided.
    attainment: float | None


class SlaReport(BaseModel):
    month: str
    policy: str | None
    method: str
    lines: list[AttainmentLine]
    totals: list[AttainmentLine]


METHOD = (
    "cases received in the month (UTC); per case and target kind the outcome last projected: "
    "met = met on time, breached = missed (even if met later), open = not decided yet; "
    "attainment = met / (met + breached)"
)


def _percent(met: int, breached: int) -> float | None:
    decided = met + breached
    return None if decided == 0 else round(100 * met / decided, 1)


def attainment(rows: Iterable[SlaOutcomeRow], month: str, policy: str | None = None) -> SlaReport:
    """Group outcomes by policy, plan, tier, severity and kind; totals by policy and kind."""
    groups: dict[tuple[str, str, str | None, str | None, str], list[Outcome]] = {}
    totals: dict[tuple[str, str], list[Outcome]] = {}
    for row in rows:
        outcome = outcome_of(row)
        key = (row.policy, row.plan, row.tier, row.severity, row.kind)
        groups.setdefault(key, []).append(outcome)
        totals.setdefault((row.policy, row.kind), []).append(outcome)

    def line(
        policy_: str,
        plan: str,
        tier: str | None,
        severity: str | None,
        kind: str,
        outcomes: list[Outcome],
    ) -> AttainmentLine:
        met, breached = outcomes.count("met"), outcomes.count("breached")
        return AttainmentLine(
            policy=policy_,
            plan=plan,
            tier=tier,
            severity=severity,
            kind=kind,
            cases=len(outcomes),
            met=met,
            breached=breached,
            open=outcomes.count("open"),
            attainment=_percent(met, breached),
        )

    def order(key: tuple[str | None, ...]) -> tuple[str, ...]:
        return tuple(part or "" for part in key)

    return SlaReport(
        month=month,
        policy=policy,
        method=METHOD,
        lines=[
            line(*key, outcomes)
            for key, outcomes in sorted(groups.items(), key=lambda kv: order(kv[0]))
        ],
        totals=[
            line(policy_, "*", None, None, kind, outcomes)
            for (policy_, kind), outcomes in sorted(totals.items())
        ],
    )
