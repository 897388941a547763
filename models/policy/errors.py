"""What is wrong with a policy file: every problem, with its path and its line."""

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PathPart = str | int
_PLAIN_KEY = re.compile(r"^[\w-]+$")


def format_path(parts: Sequence[PathPart]) -> str:
    """`("plans", "premium", "targets")` -> "plans.premium.targets"; the root is "(policy)".

    A key that is not a plain name is quoted, so the path stays readable: `fields.1."a b"`.
    """
    return ".".join(_part(part) for part in parts) or "(policy)"


def _part(part: PathPart) -> str:
    text = str(part)
    return text if _PLAIN_KEY.match(text) else json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class PolicyIssue:
    """One problem: where in the document (dotted path and, when known, 1-based line) and why."""

    path: str
    message: str
    line: int | None = None
    # The path as parts, for APIs that answer with a `loc` list.
    loc: tuple[PathPart, ...] = ()

    def render(self, filename: str | None = None) -> str:
        """`file:12: plans.premium.calendar: unknown calendar 'x'`."""
        where = ""
        if filename is not None:
            where = f"{filename}:{self.line}: " if self.line is not None else f"{filename}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        return f"{where}{self.path}: {self.message}"


def sort_issues(issues: Iterable[PolicyIssue]) -> list[PolicyIssue]:
    """Unique issues in file order (issues without a line last)."""
    unique = {(issue.path, issue.message): issue for issue in issues}
    return sorted(
        unique.values(),
        key=lambda i: (i.line is None, i.line or 0, i.path, i.message),
    )


class PolicyError(ValueError):
    """A policy that cannot be used; `issues` lists every problem found, not just the first."""

    def __init__(self, issues: Sequence[PolicyIssue], filename: str | None = None) -> None:
        self.issues = list(issues)
        self.filename = filename
        count = len(self.issues)
        lines = "\n".join(issue.render(filename) for issue in self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the policy:\n{lines}")
