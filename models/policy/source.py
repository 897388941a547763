"""Reading policy text (YAML or JSON) and pointing at lines in it.

The loader resolves only what JSON also has (null, true/false, numbers):
YAML 1.1 would read `NO` (Norway) as false, `15:00` as the number 900 and
`2026-12-24` as a date, all of which a policy means as text.
"""

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from models.input_text import refusal, refused_character
from models.policy.errors import PathPart, PolicyIssue, format_path

# Anchors and aliases can make a small file expand enormously; refuse beyond this many nodes.
MAX_EXPANDED_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class PolicyLoader(yaml.SafeLoader):
    """SafeLoader resolving only JSON's implicit types (plus `~` and merge keys)."""

    # Own table, so the resolvers below replace (not extend) the YAML 1.1 ones.
    yaml_implicit_resolvers: dict[Any, Any] = {}


PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9]*)?\.[0-9]+(?:[eE][-+][0-9]+)?$"),
    list("-+0123456789."),
)
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
PolicyLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


@dataclass
class ParsedText:
    """The document as data, its YAML node tree (for line numbers), and problems found so far."""

    data: Any = None
    root: Node | None = None
    issues: list[PolicyIssue] = field(default_factory=list)

    def line_of(self, loc: Sequence[PathPart]) -> int | None:
        return line_of(self.root, loc) if self.root is not None else None

    def issue(self, loc: Sequence[PathPart], message: str) -> PolicyIssue:
        return PolicyIssue(format_path(loc), message, self.line_of(loc), tuple(loc))


def looks_like_json(text: str, filename: str | None) -> bool:
    if filename is not None and filename.lower().endswith(".json"):
        return True
    return text.lstrip().startswith("{")


def parse_text(text: str, filename: str | None = None) -> ParsedText:
    """Parse YAML or JSON; syntax errors, duplicate keys and alias bombs become issues."""
    parsed = ParsedText()
    try:
        loader = PolicyLoader(text)
        try:
            parsed.root = loader.get_single_node()
            if parsed.root is not None:
                _check_expansion(parsed.root)
                parsed.issues.extend(_duplicate_keys(parsed, parsed.root, ()))
                if not parsed.issues:
                    parsed.data = loader.construct_document(parsed.root)
        finally:
            loader.dispose()
    except _TooLarge:
        parsed.issues.append(
            PolicyIssue("(policy)", "the document is too large once anchors are expanded")
        )
        return parsed
    except yaml.YAMLError as error:
        if not looks_like_json(text, filename):
            parsed.issues.append(_yaml_issue(error))
            return parsed
        parsed.root = None  # JSON that PyYAML cannot read: no line numbers, json reports below
    if looks_like_json(text, filename) and not parsed.issues:
        # YAML supplied the lines; JSON's own rules decide what the data is.
        try:
            parsed.data = json.loads(text)
        except json.JSONDecodeError as error:
            parsed.issues.append(
                PolicyIssue("(policy)", f"invalid JSON: {error.msg}", error.lineno)
            )
    if not parsed.issues and parsed.data is None:
        parsed.issues.append(PolicyIssue("(policy)", "the file is empty", None))
    # A "\0" or "\x1b" escape survives parsing, and PostgreSQL cannot store a NUL.
    parsed.issues.extend(_unstorable_text(parsed, parsed.data, ()))
    return parsed


def _unstorable_text(
    parsed: ParsedText, data: Any, path: tuple[PathPart, ...]
) -> Iterator[PolicyIssue]:
    """Each key or string holding a control character other than a line break or a tab."""
    if isinstance(data, str):
        if (char := refused_character(data)) is not None:
            yield parsed.issue(path, refusal(char))
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and (char := refused_character(key)) is not None:
                yield parsed.issue(path, f"a key {refusal(char)}")
            yield from _unstorable_text(parsed, value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _unstorable_text(parsed, item, (*path, index))


def _yaml_issue(error: yaml.YAMLError) -> PolicyIssue:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return PolicyIssue("(policy)", message, mark.line + 1 if mark is not None else None)


class _TooLarge(Exception):
    pass


def _check_expansion(root: Node) -> None:
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once rather than looping
        total = 1
        if isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        if total > MAX_EXPANDED_NODES:
            raise _TooLarge
        sizes[id(node)] = total
        return total

    size(root)


def _duplicate_keys(
    parsed: ParsedText, node: Node, path: tuple[PathPart, ...], seen: set[int] | None = None
) -> Iterator[PolicyIssue]:
    """A key given twice in one mapping: PyYAML would silently keep the last one."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
                yield from _duplicate_keys(parsed, value, path, seen)
                continue
            line = key.start_mark.line + 1
            if key.value in first_line:
                yield PolicyIssue(
                    format_path((*path, key.value)),
                    f"duplicate key (first given on line {first_line[key.value]})",
                    line,
                    (*path, key.value),
                )
            else:
                first_line[key.value] = line
            yield from _duplicate_keys(parsed, value, (*path, key.value), seen)
    elif isinstance(node, SequenceNode):
        for index, child in enumerate(node.value):
            yield from _duplicate_keys(parsed, child, (*path, index), seen)


def _pairs(node: MappingNode) -> Iterator[tuple[Node, Node]]:
    """Key/value nodes of a mapping, explicit ones first, then those merged in with `<<`."""
    merged: list[Node] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == _MERGE_TAG:
            merged.extend(value.value if isinstance(value, SequenceNode) else [value])
        else:
            yield key, value
    for source in merged:
        if isinstance(source, MappingNode):
            yield from _pairs(source)


def line_of(root: Node, loc: Sequence[PathPart]) -> int:
    """1-based line of the deepest node along `loc` (a key's own line for mapping entries)."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode):
            match = next(
                (
                    (key, value)
                    for key, value in _pairs(node)
                    if isinstance(key, ScalarNode) and key.value == str(part)
                ),
                None,
            )
            if match is None:
                return line
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def dump_yaml(data: Any) -> str:
    """Block-style YAML in the key order given (the schema's order), readable by PolicyLoader."""
    text: str = yaml.dump(
        data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text
