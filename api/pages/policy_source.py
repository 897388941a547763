"""What the policy pages share: a policy's text as numbered lines with the problems found
on each, and the lines of a difference between two versions."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from models.policy.errors import PolicyIssue


@dataclass(frozen=True)
class SourceLine:
    """One line of a policy file; its number is its anchor (`#L12`)."""

    number: int
    text: str
    issues: list[PolicyIssue] = field(default_factory=list)


def source_lines(
    text: str, issues: Iterable[PolicyIssue] = ()
) -> tuple[list[SourceLine], list[PolicyIssue]]:
    """The text line by line with each problem beside its line (one past the last line,
    such as YAML's "unexpected end", beside the last), and the problems with no line."""
    lines = text.splitlines()
    by_line: dict[int, list[PolicyIssue]] = {}
    unplaced: list[PolicyIssue] = []
    for issue in issues:
        if issue.line is None or not lines:
            unplaced.append(issue)
        else:
            by_line.setdefault(min(max(issue.line, 1), len(lines)), []).append(issue)
    numbered = [
        SourceLine(number, line, by_line.get(number, []))
        for number, line in enumerate(lines, start=1)
    ]
    return numbered, unplaced


@dataclass(frozen=True)
class DiffLine:
    # "added", "removed" or "changed": how the line is styled and announced.
    kind: str
    text: str


def diff_lines(lines: Iterable[str]) -> list[DiffLine]:
    """`policy_store.diff`'s lines ("+ path: value", "- path: value", "path: a -> b")."""
    return list(_kinds(lines))


def _kinds(lines: Iterable[str]) -> Iterator[DiffLine]:
    for line in lines:
        if line.startswith("+ "):
            yield DiffLine("added", line[2:])
        elif line.startswith("- "):
            yield DiffLine("removed", line[2:])
        elif line:
            yield DiffLine("changed", line)
