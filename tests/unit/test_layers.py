"""Each module imports only its own layer or those below it (docs/architecture.md, "Layers").

Every import counts, also one inside a function or under `TYPE_CHECKING`: a lazy import
of a layer above is still a dependency on it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("escalator", "api", "workflows", "activities", "models")

# Top first; a module belongs to the layer of its longest matching prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("the CLI and process supervision", ("escalator.cli", "escalator.__main__")),
    (
        "the doors: HTTP, the worker, the SMTP listener",
        ("api", "worker", "escalator.smtp_listener"),
    ),
    (
        "application services",
        (
            "escalator.cases",
            "escalator.accounts",
            "escalator.intake",
            "escalator.policy_store",
            "escalator.replay",
            "escalator.export",
            "escalator.inventory_seed",
            "escalator.registry",
            "escalator.credits",
        ),
    ),
    ("workflows and activities", ("workflows", "activities")),
    ("infrastructure", ("escalator.infra",)),
    ("the domain", ("models",)),
]
# Infrastructure and the domain are one layer for the rule "import only downwards", except
# that the domain imports no infrastructure: models/ stays pure.
SAME_LEVEL = {"infrastructure": "the domain"}


def layer_of(module: str) -> int | None:
    """The index in LAYERS of `module`, or None for a module no layer names."""
    if module == "escalator":
        return layer_of("escalator.infra")  # the package itself: empty
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return best[1] if best else None


def rank(index: int) -> int:
    """How high a layer stands (0 at the bottom); infrastructure stands level with the domain."""
    name = LAYERS[index][0]
    level = len(LAYERS) - 1 - index
    return level - 1 if name in SAME_LEVEL else level


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imported(source: str, filename: str = "<planted>") -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # `from escalator import cases` imports the module escalator.cases.
            found += [
                (f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if is_module(f"{node.module}.{alias.name}")
            ]
    return found


def offences(module: str, source: str) -> list[str]:
    here = layer_of(module)
    assert here is not None, f"{module} belongs to no layer: add it to LAYERS"
    said: list[str] = []
    for name, line in imported(source, module):
        there = layer_of(name) if name.split(".")[0] in (*PACKAGES, "worker") else None
        if there is None or name == "escalator":
            continue
        upward = rank(there) > rank(here)
        impure = LAYERS[here][0] == "the domain" and LAYERS[there][0] == "infrastructure"
        if upward or impure:
            said.append(f"{module}:{line} imports {name} ({LAYERS[there][0]})")
    return sorted(set(said))


def modules() -> dict[str, Path]:
    found = {"worker": ROOT / "worker.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue  # Alembic scripts, run by Alembic only
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def test_every_module_imports_only_its_layer_or_below() -> None:
    found = modules()
    assert len(found) > 100, "the walk found the packages"
    report = [bad for name, path in found.items() for bad in offences(name, path.read_text())]
    assert report == []


def test_a_planted_upward_import_fails() -> None:
    assert offences("models.case.planted", "from escalator.infra.settings import Settings") == [
        "models.case.planted:1 imports escalator.infra.settings (infrastructure)"
    ]
    assert offences("workflows.planted", "def f():\n    from escalator import cases\n") == [
        "workflows.planted:2 imports escalator.cases (application services)"
    ]
    assert offences("escalator.intake.planted", "import api.problems") == [
        "escalator.intake.planted:1 imports api.problems "
        "(the doors: HTTP, the worker, the SMTP listener)"
    ]
    assert offences("api.planted", "from escalator.cli.main import run") == [
        "api.planted:1 imports escalator.cli.main (the CLI and process supervision)"
    ]
    # Downwards and sideways are fine.
    assert offences("api.planted", "from escalator.cases import open_case\nimport models") == []


def test_a_module_of_no_layer_is_named() -> None:
    assert layer_of("escalator.somewhere_new") is None
    with pytest.raises(AssertionError, match=r"escalator\.somewhere_new belongs to no layer"):
        offences("escalator.somewhere_new", "import os")
