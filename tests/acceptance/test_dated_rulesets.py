"""Issue 10: dated and proposed requirements, the phase-2 rulesets and their triggers.

The fixtures of tests/fixtures/dated/ are annotated in place (`# expect: CCA901`) and say in
an `# args:` line how they are checked (`--as-of`, `--include-proposed`); every finding of a
run must be annotated, and every annotation found.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.test_control_fixtures import expected
from tests.conftest import EXAMPLES, FIXTURES, check_json, run_cli
from tests.spec_matrix import applied

DATED = FIXTURES / "dated"
ARGS = re.compile(r"^#\s*args:\s*(.*)$", re.MULTILINE)


def _args(path: Path) -> list[str]:
    match = ARGS.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no # args: line"
    return match.group(1).split()


@pytest.mark.parametrize("path", sorted(DATED.glob("*.yaml")), ids=lambda p: p.name)
def test_dated_fixture(path: Path) -> None:
    _, report = check_json(*_args(path), str(path))
    assert Counter((f["id"], f["line"]) for f in report["findings"]) == expected(path)


def _finding(report: dict[str, Any], control: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["id"] == control)


def test_gb_triggers_gdpr_but_not_the_ai_act() -> None:
    path = str(DATED / "gb-only.yaml")
    _, report = check_json("--as-of", "2026-12-01", path)
    by_manifest = {(f["manifest"], f["id"]) for f in report["findings"]}
    assert ("gb-only", "CCA901") not in by_manifest and ("de-same", "CCA901") in by_manifest
    assert _finding(report, "CCA702")["requirements"][0]["ruleset"] == "gdpr"
    first = run_cli("standard", "--as-of", "2026-12-01", path).stdout.splitlines()[1]  # the GB manifest's
    assert applied(first) == ["gdpr", "hipaa", "ai-security", "pci-dss"]


def test_california_breach_law_binds_a_business_outside_the_ccpa() -> None:
    path = str(DATED / "us-tx-ca.yaml")
    _, report = check_json("--as-of", "2026-12-01", path)
    finding = _finding(report, "CCA601")
    assert finding["manifest"] == "tx-ca-not-a-ccpa-business"
    assert [(r["ruleset"], r["value"], r["binding"]) for r in finding["requirements"]] == [
        ("ca-breach", 30, True), ("hipaa", 60, False)]
    first = run_cli("standard", "--as-of", "2026-12-01", path).stdout.splitlines()[1]
    assert applied(first) == ["ca-breach", "hipaa", "ai-security", "pci-dss"]  # no ccpa


def test_as_of_the_day_before_art_50_applies_lists_it_as_upcoming() -> None:
    before, on = str(DATED / "cca901-2026-08-01.yaml"), str(DATED / "cca901-2026-08-02.yaml")
    code, report = check_json("--as-of", "2026-08-01", before)
    assert code == 0 and report["findings"] == []
    assert report["upcoming"][0] == {"ruleset": "eu-ai-act", "control": "CCA901", "parameter": None, "value": None,
                                     "effective": "2026-08-02",
                                     "citation": "EU AI Act Art. 50(1); EU AI Act Art. 113"}
    text = run_cli("check", "--as-of", "2026-08-01", before).stdout.splitlines()
    assert text[-1] == "1 obligation takes effect within 90 days: eu-ai-act CCA901 on 2026-08-02"
    code, report = check_json("--as-of", "2026-08-02", on)
    assert code == 1 and [f["id"] for f in report["findings"]] == ["CCA901"] and report["upcoming"] == []
    assert run_cli("check", "--as-of", "2026-08-02", on).stdout.splitlines()[-1].startswith("1 finding")


def test_include_proposed_turns_on_hipaas_cca802_and_says_so() -> None:
    plain, preview = str(DATED / "hipaa-proposed.yaml"), str(DATED / "hipaa-proposed-preview.yaml")
    assert check_json("--as-of", "2026-12-01", plain) == (0, check_json("--as-of", "2026-12-01", plain)[1])
    code, report = check_json("--as-of", "2026-12-01", "--include-proposed", preview)
    finding = _finding(report, "CCA802")
    assert code == 1 and finding["message"].endswith("(proposed rule: hipaa; not in force)")
    assert finding["requirements"] == [{"ruleset": "hipaa", "citation": "HIPAA Security Rule NPRM 2025",
                                        "value": None, "binding": True,
                                        "unverified": ["HIPAA Security Rule NPRM 2025"]}]
    rules = json.loads(run_cli("rules", "-f", "json").stdout)
    cca802 = next(r for r in rules if r["id"] == "CCA802")["requiredBy"]
    assert [(q["ruleset"], q.get("status")) for q in cca802] == [("hipaa", "proposed"), ("pci-dss", None)]


CARD = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode, fires", [("pause_resume", False), ("dtmf_masking", False), ("ivr_handoff", False),
                                         ("spoken", True)])
def test_card_capture(write: Any, mode: str, fires: bool) -> None:
    path = write("m.yaml", CARD.replace("captureMode: dtmf_masking", f"captureMode: {mode}"))
    code, report = check_json("--as-of", "2026-12-01", path)
    assert (code, [(f["id"], f["severity"]) for f in report["findings"]]) == (
        (1, [("CCA801", "critical")]) if fires else (0, []))


def test_spoken_capture_cannot_be_suppressed_inline(write: Any) -> None:
    text = CARD.replace("    captureMode: dtmf_masking",
                        '    # ccaudit: ignore[CCA801] reason="the agent is told not to listen"\n'
                        "    captureMode: spoken")
    code, report = check_json("--as-of", "2026-12-01", write("m.yaml", text))
    lines = text.splitlines()
    comment = 1 + next(i for i, line in enumerate(lines) if "ignore[CCA801]" in line)
    assert code == 1
    assert [(f["id"], f["line"], f["suppressed"]) for f in report["findings"]] == [
        ("CCA005", comment, None), ("CCA801", comment + 1, None)]
    assert "cannot be suppressed inline" in report["findings"][0]["message"]


def test_standard_lists_upcoming_obligations_by_date(write: Any) -> None:
    text = CARD.replace("    euEstablishment: false", "    euEstablishment: false\n    aiActHighRisk: true")
    out = run_cli("standard", "--as-of", "2026-12-01", write("m.yaml", text)).stdout
    upcoming = out[out.index("Upcoming"):].splitlines()[1:]
    assert upcoming[0].split() == ["2027-01-01", "ccpa", "CCA504", "required", "(11", "CCR", "7200", "ff.)"]
    assert [line.split()[:3] for line in upcoming[1:]] == [
        ["2027-12-02", "eu-ai-act-high-risk", c] for c in ("CCA201", "CCA202", "CCA205", "CCA504", "CCA505")]
    assert "auditLogsMinDays 180" in upcoming[3]
    data = json.loads(run_cli("standard", "-f", "json", "--as-of", "2027-12-02", write("n.yaml", text)).stdout)
    assert data[0]["upcoming"] == []
    row = next(r for r in data[0]["parameters"] if r["parameter"] == "auditLogsMinDays")
    assert row["value"] == 2192 and row["others"] == {"pci-dss": 365, "eu-ai-act-high-risk": 180}


def test_a_bad_as_of_is_a_usage_error() -> None:
    result = run_cli("check", "--as-of", "2026-13-01", str(EXAMPLES))
    assert result.exit_code == 2 and "--as-of" in result.output
