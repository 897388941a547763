"""`models/` runs inside workflows, passed through Temporal's sandbox (worker.py), so the
sandbox cannot catch a clock, randomness or I/O there: this test does."""

import ast
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "models"
# (object, method) of calls that read a clock; `open` reads files.
BANNED_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
}
BANNED_MODULES = {"random", "uuid", "secrets", "os", "socket", "subprocess", "httpx", "requests"}
# SQL tables live in models/tables/ only, so the rest is domain code the sandbox passes through.
PERSISTENCE = {"sqlmodel", "sqlalchemy"}


def offences(path: Path) -> list[str]:
    banned = BANNED_MODULES if path.parent.name == "tables" else BANNED_MODULES | PERSISTENCE
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"imports {n}" for n in names if n and n.split(".")[0] in banned]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if (func.value.id, func.attr) in BANNED_CALLS:
                    found.append(f"calls {func.value.id}.{func.attr}() at line {node.lineno}")
            elif isinstance(func, ast.Name) and func.id == "open":
                found.append(f"calls open() at line {node.lineno}")
    return found


def test_models_use_no_clock_randomness_or_io() -> None:
    files = sorted(MODELS.rglob("*.py"))
    assert len(files) > 40, "the walk found models/ and its subpackages"
    report = {str(p.relative_to(MODELS)): offences(p) for p in files}
    assert {name: bad for name, bad in report.items() if bad} == {}


def test_the_check_finds_a_clock() -> None:
    sample = MODELS.parent / "tests" / "unit" / "_clock_sample.py"
    sample.write_text(
        "from datetime import datetime\nx = datetime.now()\n"
        "import uuid\nfrom sqlmodel import Field\n"
    )
    try:
        assert sorted(offences(sample)) == [
            "calls datetime.now() at line 2",
            "imports sqlmodel",
            "imports uuid",
        ]
    finally:
        sample.unlink()
