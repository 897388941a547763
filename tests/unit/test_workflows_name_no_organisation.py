"""Every rule comes from the pinned policy: no workflow names an organisation."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def organisation_words() -> set[str]:
    words: set[str] = set()
    for path in (ROOT / "escalator" / "policies").glob("*.yaml"):
        name = yaml.safe_load(path.read_text())["name"]
        words |= {name, path.stem}
    # The source organisations as their documents spell them.
    words |= {"z-support", "e-metrotel", "pro-telecom"}
    return {word.casefold() for word in words}


def test_no_workflow_source_names_an_organisation() -> None:
    words = organisation_words()
    assert {"zsupport", "maxony", "emetrotel", "protelecom", "maltarea"} <= words
    for path in (ROOT / "workflows").rglob("*.py"):
        text = path.read_text().casefold()
        found = sorted(word for word in words if word in text)
        assert not found, f"{path.relative_to(ROOT)} names {found}"
