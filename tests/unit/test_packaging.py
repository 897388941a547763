"""A plain (not editable) install carries what the services read at run time as package
data: the example policies, the migrations and the portal's templates and static files, so
the image needs no source tree."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_policies_migrations_and_the_pages(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "worker.py"):
        shutil.copy(ROOT / name, source)
    for package in ("escalator", "workflows", "activities", "api", "models"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    built = subprocess.run(
        [*pip, "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("escalator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    policies = {Path(name).name for name in names if name.startswith("escalator/policies/")}
    assert policies == {p.name for p in (ROOT / "escalator" / "policies").glob("*.yaml")}
    assert len(policies) == 5
    assert "escalator/infra/migrations/env.py" in names
    assert any(name.startswith("escalator/infra/migrations/versions/") for name in names)
    assert "worker.py" in names
    # The portal's pages and static files, the vendored htmx among them.
    shipped = {name for name in names if name.startswith(("api/templates/", "api/static/"))}
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for folder in ("templates", "static")
        for path in (ROOT / "api" / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert shipped == on_disk
    assert "api/static/vendor/htmx-2.0.11.min.js" in shipped
