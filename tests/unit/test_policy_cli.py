"""`escalator policy ...` commands, run in-process against a temporary SQLite database."""

from pathlib import Path

import pytest

from escalator.cli.policies import main

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "escalator" / "policies"
BROKEN = ROOT / "tests" / "fixtures" / "broken_policy.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_examples_exit_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in POLICIES.glob("*.yaml"))
    code, out, _ = run(capsys, "policy", "validate", *files)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5
    assert lines[-1] == (
        f"{POLICIES / 'zsupport.yaml'}: ok, policy zsupport: 4 calendars, 3 plans, 2 severities, "
        "2 tiers, 2 teams, 5 escalation rules"
    )


def test_validate_reports_every_error_with_file_and_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = str(POLICIES / "maltarea.yaml")
    code, out, err = run(capsys, "policy", "validate", good, str(BROKEN))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{good}: ok")
    assert len(lines) == 11
    assert lines[4] == (
        f'{BROKEN}:27: plans.premium.targets.sev1.response: "4 hrs" is not a duration '
        '(use 30m, 4h, 5d or "2h wall")'
    )
    assert all(line.startswith(f"{BROKEN}:") for line in lines[1:])
    assert f"{BROKEN}: 10 problems" in err


def test_validate_an_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "policy", "validate", str(tmp_path / "absent.yaml"))
    assert code == 1
    assert "cannot read" in err


def test_publish_list_show_and_diff(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    source = (POLICIES / "emetrotel.yaml").read_text()
    first = tmp_path / "emetrotel.yaml"
    first.write_text(source)

    assert run(capsys, "policy", "list", *db) == (0, "no published policies\n", "")
    code, out, _ = run(capsys, "policy", "publish", str(first), "--by", "pat", *db)
    assert (code, out) == (0, "published emetrotel version 1\n")
    code, out, _ = run(capsys, "policy", "publish", str(first), *db)
    assert (code, out) == (
        0,
        "emetrotel version 1 already has this exact text; nothing published\n",
    )

    first.write_text(source.replace("premium:\n    name: Premium\n", "premium:\n    name: Gold\n"))
    code, out, _ = run(capsys, "policy", "publish", str(first), *db)
    assert (code, out) == (0, "published emetrotel version 2\n")

    code, out, _ = run(capsys, "policy", "list", *db)
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["NAME", "VERSION", "PUBLISHED", "DESCRIPTION"]
    assert row.split()[:2] == ["emetrotel", "2"]

    code, out, _ = run(capsys, "policy", "show", "emetrotel", "--version", "1", *db)
    assert code == 0
    assert out.splitlines()[0].startswith("# emetrotel version 1, published ")
    assert out.split("\n", 1)[1] == source
    code, out, _ = run(capsys, "policy", "show", "emetrotel", "--resolved", *db)
    assert code == 0 and "resolved: true" in out and "name: Gold" in out

    code, out, _ = run(capsys, "policy", "diff", "emetrotel", "1", "2", *db)
    assert (code, out) == (0, "plans.premium.name: Premium -> Gold\n")
    code, out, _ = run(capsys, "policy", "diff", "emetrotel", "2", "2", *db)
    assert (code, out) == (0, "no differences between versions 2 and 2\n")


def test_database_commands_fail_cleanly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    code, out, _ = run(capsys, "policy", "publish", str(BROKEN), *db)
    assert code == 1 and len(out.splitlines()) == 10
    code, _, err = run(capsys, "policy", "show", "nobody", *db)
    assert (code, err) == (1, "no published policy named 'nobody'\n")
    code, _, err = run(capsys, "policy", "show", "nobody", "--version", "3", *db)
    assert (code, err) == (1, "policy 'nobody' has no version 3\n")
    code, _, err = run(capsys, "policy", "diff", "nobody", "1", "2", *db)
    assert code == 1 and "no version 1" in err


def test_policy_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["policy"])
    assert raised.value.code == 2
