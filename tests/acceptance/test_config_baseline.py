"""Issue 4: the configuration file (every key, discovery, overrides, broken files) and the baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, check_json, example_findings, run_cli

BAD = (EXAMPLES / "claims-chat-agent.yaml").read_text()
GOOD = (EXAMPLES / "billing-voice-agent.yaml").read_text()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch repository: the current folder for the test, with the failing example in agents/."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "claims.yaml").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ids(report: dict[str, Any]) -> set[str]:
    return {f["id"] for f in report["findings"] if f["suppressed"] is None}


# ---- every key -----------------------------------------------------------------------


def test_fail_on_and_the_flag_overrides_it(project: Path) -> None:
    (project / ".ccaudit.yaml").write_text("failOn: critical\nselect: [CCA506]\n")
    assert run_cli("check", "agents").exit_code == 0
    assert run_cli("check", "--fail-on", "low", "agents").exit_code == 1


def test_select_and_ignore_controls(project: Path) -> None:
    (project / ".ccaudit.yaml").write_text("select: [CCA2]\nignoreControls: [no-log-review]\n")
    found = ids(check_json("agents")[1])
    assert found and all(i.startswith("CCA2") for i in found) and "CCA207" not in found
    assert ids(check_json("--select", "CCA506", "agents")[1]) == {"CCA506"}  # the flag replaces select


def test_rulesets_relative_to_the_config_file(project: Path) -> None:
    (project / "policy").mkdir()
    (project / "policy" / "acme.yaml").write_text(
        "apiVersion: ccaudit/v1\nkind: Ruleset\nid: acme\ntitle: ACME\nappliesWhen: {always: true}\n"
        "requirements:\n  - control: CCA702\n    citations: [{ref: ACME GOV-1}]\n")
    (project / "agents" / "claims.yaml").write_text(BAD.replace("dataSubjects: [US, DE]", "dataSubjects: [JP]"))
    assert "CCA702" not in ids(check_json("agents")[1])
    (project / ".ccaudit.yaml").write_text("rulesets: [./policy/acme.yaml]\n")
    report = check_json("agents")[1]
    assert next(f for f in report["findings"] if f["id"] == "CCA702")["requirements"][0]["ruleset"] == "acme"


def test_assume_all(project: Path) -> None:
    (project / "agents" / "claims.yaml").write_text(BAD.replace("dataSubjects: [US, DE]", "dataSubjects: [JP]"))
    assert "CCA404" not in ids(check_json("agents")[1])
    (project / ".ccaudit.yaml").write_text("assumeAll: true\n")
    assert "CCA404" in ids(check_json("agents")[1])


def test_exclude(project: Path) -> None:
    (project / "agents" / "legacy").mkdir()
    (project / "agents" / "legacy" / "old.yaml").write_text(BAD.replace("claims-chat-agent", "old-agent"))
    (project / ".ccaudit.yaml").write_text('exclude: ["agents/legacy/**"]\n')
    assert [f["file"] for f in check_json("agents")[1]["files"]] == ["agents/claims.yaml"]
    # also when pre-commit names the file on the command line
    assert check_json("agents/legacy/old.yaml")[1]["files"] == []


def test_waivers_key(project: Path) -> None:
    (project / ".ccaudit.yaml").write_text(
        "waivers:\n  - {control: CCA401, paths: ['agents/*'], reason: 'BAA on paper'}\n")
    report = check_json("--select", "CCA401", "agents")[1]
    assert {f["suppressed"]["kind"] for f in report["findings"]} == {"config"}


def test_inline_suppressions_key(project: Path) -> None:
    text = BAD.replace("  monitoring:", "  monitoring:") + '# ccaudit: ignore[CCA702] reason="GRC"\n'
    text = text.replace("spec:\n", 'spec:  # ccaudit: ignore[CCA702] reason="GRC"\n', 1)
    (project / "agents" / "claims.yaml").write_text(text)
    assert "CCA702" not in ids(check_json("agents")[1])
    (project / ".ccaudit.yaml").write_text("inlineSuppressions: false\n")
    assert "CCA702" in ids(check_json("agents")[1])


def test_baseline_key_relative_to_the_config_file(project: Path) -> None:
    (project / "ci").mkdir()
    assert run_cli("check", "--write-baseline", "ci/baseline.json", "agents").exit_code == 0
    (project / "ci" / ".ccaudit.yaml").write_text("baseline: baseline.json\n")
    code, report = check_json("--config", "ci/.ccaudit.yaml", "agents")
    assert code == 0 and report["summary"]["suppressed"] == example_findings() > 0


# ---- discovery -----------------------------------------------------------------------


def test_found_upwards_from_the_current_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".ccaudit.yaml").write_text("select: [CCA506]\n")
    monkeypatch.chdir(project / "agents")
    assert ids(check_json("claims.yaml")[1]) == {"CCA506"}


def test_pyproject_tool_section(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ccaudit]\nselect = ["CCA506"]\n'
                                           '[[tool.ccaudit.waivers]]\ncontrol = "CCA506"\nreason = "pilot"\n'
                                           "until = 2099-01-31\n")
    report = check_json("agents")[1]
    assert [f["suppressed"] for f in report["findings"]] == [
        {"kind": "config", "reason": "pilot", "until": "2099-01-31"}]


def test_ccaudit_yaml_wins_over_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ccaudit]\nselect = ["CCA2"]\n')
    (project / ".ccaudit.yaml").write_text("select: [CCA506]\n")
    assert ids(check_json("agents")[1]) == {"CCA506"}


# ---- broken configuration: exit 2, one line naming the file and the key --------------


@pytest.mark.parametrize("content, message", [
    ("failOn: [oops\n", ".ccaudit.yaml:2:1: YAML syntax error"),
    ("failon: high\n", "top level: unknown key 'failon' (allowed: failOn, rulesets,"),
    ("failOn: severe\n", "failOn: 'severe' is not allowed (allowed: critical, high, medium, low, none)"),
    ("assumeAll: yes\n", "assumeAll: expected boolean, found 'yes'"),
    ("select: CCA1\n", "select: expected array, found 'CCA1'"),
    ("waivers: [{control: CCA401}]\n", "waivers.0: required key 'reason' is missing"),
    ("waivers: [{control: CCA999, reason: x}]\n", "waivers: unknown control 'CCA999'"),
    ("waivers: [{control: CCA401, reason: x, until: soon}]\n", "waivers.0.until: 'soon' does not match"),
    ("rulesets: [./missing.yaml]\n", "rulesets: './missing.yaml' is neither a built-in ruleset"),
    ("select: [CCA99]\n", "select: unknown control 'CCA99'"),
    ("ignoreControls: [phi-without-baa]\n", "ignoreControls: CCA401 (phi-without-baa) cannot be switched off"),
    ("waivers: [{control: CCA401, reason: x, until: '2027-02-30'}]\n", "waivers: until '2027-02-30' is not a date"),
    ("baseline: missing.json\n", "not a ccaudit baseline"),
])
def test_broken_configuration(project: Path, content: str, message: str) -> None:
    (project / ".ccaudit.yaml").write_text(content)
    result = run_cli("check", "agents")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_broken_pyproject_and_missing_config_file(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.ccaudit\n")
    assert run_cli("check", "--config", "pyproject.toml", "agents").exit_code == 2
    result = run_cli("check", "--config", "nope.yaml", "agents")
    assert result.exit_code == 2 and result.stderr == "ccaudit: error: configuration file not found: nope.yaml\n"


# ---- the baseline --------------------------------------------------------------------


def test_baseline_reports_only_new_problems_after_unrelated_edits(project: Path) -> None:
    assert run_cli("check", "--write-baseline", "baseline.json", "agents").exit_code == 0
    first = (project / "baseline.json").read_text()
    entries = json.loads(first)["findings"]
    assert entries and all(set(e) == {"fingerprint", "id", "file", "path"} for e in entries)
    assert run_cli("check", "--write-baseline", "baseline.json", "agents").exit_code == 0
    assert (project / "baseline.json").read_text() == first  # sorted and stable
    edited = "# owner: member-services, reviewed 2026-11\n\n" + BAD.replace(
        "      requiresVerifiedCustomer: true\n      maxRecordsPerCall: 1\n",
        "      requiresVerifiedCustomer: true\n      maxRecordsPerCall: 500\n")
    (project / "agents" / "claims.yaml").write_text(edited)
    code, report = check_json("--baseline", "baseline.json", "agents")
    new = [f for f in report["findings"] if f["suppressed"] is None]
    assert code == 1 and [(f["id"], f["path"]) for f in new] == [("CCA107", "spec.tools[1].maxRecordsPerCall")]
    assert report["summary"]["suppressed"] == len(entries)


def test_fixed_entries_are_listed(project: Path) -> None:
    run_cli("check", "--write-baseline", "baseline.json", "agents")
    changed = BAD.replace("    reviewIntervalDays: 90\n", "    reviewIntervalDays: 1\n")
    (project / "agents" / "claims.yaml").write_text(changed)
    code, report = check_json("--baseline", "baseline.json", "agents")
    assert code == 0 and report["baselineFixed"] == ["CCA207 agents/claims.yaml spec.logging.reviewIntervalDays"]
    result = run_cli("check", "--baseline", "baseline.json", "agents")
    assert "1 baseline entry no longer occurs (" in result.stderr
    assert "CCA207 agents/claims.yaml spec.logging.reviewIntervalDays" in result.stderr


def test_changing_a_wrong_value_to_another_wrong_value_stays_baselined(project: Path) -> None:
    run_cli("check", "--write-baseline", "baseline.json", "agents")
    (project / "agents" / "claims.yaml").write_text(BAD.replace("auditLogsDays: 365", "auditLogsDays: 400"))
    code, report = check_json("--baseline", "baseline.json", "agents")
    assert code == 0 and report["summary"]["suppressed"] == example_findings() > 0
    changed = [f for f in report["findings"] if f["id"] == "CCA205"]
    assert changed and all((f["suppressed"] or {}).get("kind") == "baseline" for f in changed)


@pytest.mark.parametrize("content", ["not json", '{"version": 9, "findings": []}', "[]"])
def test_broken_baseline_is_exit_2(project: Path, content: str) -> None:
    (project / "baseline.json").write_text(content)
    result = run_cli("check", "--baseline", "baseline.json", "agents")
    assert result.exit_code == 2 and result.stderr.startswith("ccaudit: error: baseline.json:")


def test_configuration_globs_are_relative_to_its_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "agents" / "legacy").mkdir()
    (project / "agents" / "legacy" / "old.yaml").write_text(BAD.replace("claims-chat-agent", "old-agent"))
    (project / ".ccaudit.yaml").write_text(
        'exclude: ["agents/legacy/**"]\nwaivers: [{control: CCA401, paths: ["agents/*.yaml"], reason: paper BAA}]\n')
    monkeypatch.chdir(project / "agents")
    report = check_json(".")[1]
    assert [f["file"] for f in report["files"]] == ["claims.yaml"]
    assert {f["suppressed"]["kind"] for f in report["findings"] if f["id"] == "CCA401"} == {"config"}


def test_baseline_tells_apart_findings_at_one_path(project: Path) -> None:
    good = GOOD.replace("redaction: [contact, account, payment_card, phi]",
                        "redaction: [contact, account, payment_card]")
    (project / "agents" / "claims.yaml").write_text(good)
    run_cli("check", "--write-baseline", "baseline.json", "agents")
    (project / "agents" / "claims.yaml").write_text("# moved\n" + good.replace("[contact, account, payment_card]",
                                                                                "[account, payment_card]"))
    report = check_json("--baseline", "baseline.json", "agents")[1]
    new = [f["message"] for f in report["findings"] if f["suppressed"] is None]
    assert new == ["logs are written without masking contact; redact it before logs are written"]


def test_a_user_ruleset_cannot_take_a_built_in_id(project: Path) -> None:
    (project / "org.yaml").write_text("apiVersion: ccaudit/v1\nkind: Ruleset\nid: gdpr\ntitle: Mine\n"
                                      "appliesWhen: {always: true}\nrequirements:\n"
                                      "  - control: CCA602\n    parameters: {responseMaxDays: 20}\n"
                                      "    citations: [{ref: policy}]\n")
    result = run_cli("check", "--ruleset", "org.yaml", "agents")
    assert result.exit_code == 2 and "is a built-in ruleset's" in result.stderr
