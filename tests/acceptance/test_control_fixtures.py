"""Fixtures annotated in place (semgrep-rules style): `# expect: CCA205` marks each line that must
be reported (`# expect: CCA202, CCA202` for two findings on one line). For each control, its
fixture files (tests/fixtures/controls/CCA205*.yaml) hold a failing and a passing manifest, and
the exact (id, line) set of that control's findings must equal the annotations.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ccaudit.rulesets import catalog
from tests.conftest import FIXTURES, check_json

EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
FIXTURE_DIR = FIXTURES / "controls"


def _fixtures() -> dict[str, list[Path]]:
    by_control: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(FIXTURE_DIR.glob("CCA*.yaml")):
        by_control[path.name[:6]].append(path)
    return by_control


def expected(path: Path) -> Counter[tuple[str, int]]:
    found: Counter[tuple[str, int]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        match = EXPECT.search(line)
        if match:
            found.update((c.strip(), number) for c in match.group(1).split(",") if c.strip())
    return found


def test_every_control_has_fixtures() -> None:
    assert set(_fixtures()) == set(catalog())


@pytest.mark.parametrize("control_id", sorted(_fixtures()))
def test_fixture(control_id: str) -> None:
    paths = _fixtures()[control_id]
    want: Counter[tuple[str, str, int]] = Counter()
    for path in paths:
        want.update({(path.name, cid, line): n for (cid, line), n in expected(path).items() if cid == control_id})
    # A suppression finding depends on the other controls' findings: run them all for those.
    selected = () if control_id in ("CCA005", "CCA006") else ("--select", control_id)
    _, report = check_json("--assume-all", *selected, *map(str, paths))
    got = Counter((Path(f["file"]).name, f["id"], f["line"]) for f in report["findings"] if f["id"] == control_id)
    assert got == want
    assert want, f"{control_id}: no failing case annotated"
    failing = {(Path(f["file"]).name, f["manifest"]) for f in report["findings"] if f["id"] == control_id}
    assert report["summary"]["manifests"] > len(failing), f"{control_id}: no passing manifest in the fixtures"
