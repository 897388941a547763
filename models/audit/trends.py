"""SLA attainment over months, per plan, tier or target kind: the series the report's
charts draw. The same method as the monthly report (models/audit/report.py): a case counts
in the month (UTC) it was received; attainment = met / (met + breached)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from models.audit.report import outcome_of
from models.tables.audit import SlaOutcomeRow


def month_of(instant: datetime) -> str:
    """The month (UTC) an instant falls in, as YYYY-MM."""
    return instant.astimezone(UTC).strftime("%Y-%m")


def months_ending(month: str, count: int) -> list[str]:
    """`count` months ending with `month` (YYYY-MM), oldest first, none before year 1."""
    year, number = int(month[:4]), int(month[5:7])
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        if year < 1:
            break
    return months[::-1]


@dataclass(frozen=True)
class Point:
    """One group's outcomes in one month."""

    month: str
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def attainment(self) -> float | None:
        """Percent with one decimal; None while nothing of the month is decided."""
        return None if self.decided == 0 else round(100 * self.met / self.decided, 1)


@dataclass(frozen=True)
class Series:
    """One plan, tier or target kind: a point per month, oldest first."""

    label: str
    points: list[Point]


def trends(
    rows: Iterable[SlaOutcomeRow], months: list[str], key: Callable[[SlaOutcomeRow], str]
) -> list[Series]:
    """Per value of `key`, its outcomes in each of `months` (rows of other months ignored),
    sorted by label."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    wanted = set(months)
    for row in rows:
        month = month_of(row.received_at)
        if month not in wanted:
            continue
        per_month = counts.setdefault(key(row), {}).setdefault(month, {})
        outcome = outcome_of(row)
        per_month[outcome] = per_month.get(outcome, 0) + 1

    def point(label: str, month: str) -> Point:
        found = counts[label].get(month, {})
        return Point(month, found.get("met", 0), found.get("breached", 0), found.get("open", 0))

    return [Series(label, [point(label, month) for month in months]) for label in sorted(counts)]
