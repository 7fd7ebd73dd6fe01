"""The command line of cli.md for the core stage: check, standard, rules, explain; exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from ccaudit.resources import schema_file
from ccaudit.rulesets import catalog
from tests.conftest import EXAMPLES, check_json, ids_lines, run_cli
from tests.spec_matrix import applied

GOOD = str(EXAMPLES / "billing-voice-agent.yaml")
BAD = str(EXAMPLES / "claims-chat-agent.yaml")


def test_compliant_example_passes_every_ruleset() -> None:
    code, report = check_json("--assume-all", GOOD)
    assert code == 0 and report["findings"] == [] and report["summary"]["manifests"] == 1


def test_noncompliant_example_reports_and_exits_1() -> None:
    result = run_cli("check", "--as-of", "2026-03-01", str(EXAMPLES))  # no obligation due within 90 days
    assert result.exit_code == 1
    assert "examples/claims-chat-agent.yaml:" in result.stdout or "claims-chat-agent.yaml:" in result.stdout
    assert "CCA401 [critical]" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].endswith("in 1 of 2 manifests (2 files)")


def test_text_report_shows_code_frame_and_binding_citation() -> None:
    result = run_cli("check", "--as-of", "2026-03-01", "--select", "CCA205", BAD)
    lines = result.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if ": CCA205 [high]" in line)
    assert lines[head].endswith("retention.auditLogsDays is 365 days; at least 2192 days are required")
    assert lines[head + 1].strip() == "64 |     auditLogsDays: 365"
    assert lines[head + 2].strip() == "|     " + "^" * len("auditLogsDays: 365")
    assert "required by hipaa: 45 CFR 164.316(b)(2)(i) (2192)" in lines[head + 3]
    assert lines[-1] == "1 finding (1 high) in 1 of 1 manifest (1 file)"


def test_json_report_validates_and_names_binding_rulesets() -> None:
    code, report = check_json(str(EXAMPLES))
    assert code == 1
    Draft202012Validator(json.loads(schema_file("report.schema.json").read_text())).validate(report)
    notice = next(f for f in report["findings"] if f["path"] == "spec.incidentResponse.authorityNotificationHours")
    assert notice["requirements"] == [
        {"ruleset": "gdpr", "citation": "GDPR Art. 33(1)", "value": 72, "binding": True},
        {"ruleset": "hipaa", "citation": "45 CFR 164.408", "value": 1440, "binding": False},
    ]
    assert (notice["line"], notice["column"], notice["endLine"], notice["endColumn"]) == (78, 5, 78, 35)
    assert notice["remediation"] == "incidentResponse:\n  authorityNotificationHours: 72"


def test_severity_is_raised_by_the_control() -> None:
    _, report = check_json("--select", "CCA102", BAD)
    assert [(f["line"], f["severity"]) for f in report["findings"]] == [(53, "critical")]


@pytest.mark.parametrize("fail_on, code", [("low", 1), ("high", 1), ("critical", 1)])
def test_fail_on(fail_on: str, code: int) -> None:
    assert run_cli("check", "--fail-on", fail_on, BAD).exit_code == code


def test_fail_on_above_every_finding_exits_0() -> None:
    assert run_cli("check", "--fail-on", "medium", "--select", "CCA506", BAD).exit_code == 0


def test_select_and_ignore_by_id_slug_and_prefix() -> None:
    _, selected = check_json("--select", "CCA2", "--ignore", "no-log-review", BAD)
    ids = {f["id"] for f in selected["findings"]}
    assert ids and all(i.startswith("CCA2") for i in ids) and "CCA207" not in ids


def test_ignoring_an_unsuppressible_control_is_refused() -> None:
    result = run_cli("check", "--ignore", "CCA401", BAD)
    assert result.exit_code == 2 and "cannot be switched off" in result.stderr


def test_unknown_control_is_a_usage_error() -> None:
    result = run_cli("check", "--select", "CCA999", BAD)
    assert result.exit_code == 2 and result.stderr.startswith("ccaudit: error: unknown control")


def test_missing_path_is_exit_2() -> None:
    result = run_cli("check", "no/such/file.yaml")
    assert result.exit_code == 2
    assert result.stderr == "ccaudit: error: path does not exist: no/such/file.yaml\n"


def test_assume_all_applies_rulesets_the_scope_does_not_trigger(write: Any) -> None:
    text = Path(GOOD).read_text().replace("dataSubjects: [EU, US-CA, US]", "dataSubjects: [JP]")
    text = text.replace("transferMechanism: scc", "transferMechanism: none")
    path = write("jp.yaml", text.replace("regions: [aws:eu-west-1]", "regions: [aws:us-east-1]"))
    assert "CCA404" not in {f["id"] for f in check_json(path)[1]["findings"]}
    assert "CCA404" in {f["id"] for f in check_json("--assume-all", path)[1]["findings"]}


def test_user_ruleset_only_tightens(write: Any) -> None:
    policy = write("acme.yaml", "apiVersion: ccaudit/v1\nkind: Ruleset\nid: acme\ntitle: ACME policy\n"
                   "appliesWhen: {always: true}\nrequirements:\n"
                   "  - control: CCA205\n    parameters: {auditLogsMinDays: 3000}\n    citations: [{ref: ACME SEC-7}]\n"
                   "  - control: CCA602\n    severity: low\n    parameters: {responseMaxDays: 90}\n"
                   "    citations: [{ref: ACME PRIV-2}]\n")
    code, report = check_json("--ruleset", policy, "--select", "CCA205", "--select", "CCA602", GOOD)
    finding = next(f for f in report["findings"] if f["id"] == "CCA205")
    assert code == 1 and finding["requirements"][-1] == {
        "ruleset": "acme", "citation": "ACME SEC-7", "value": 3000, "binding": True}
    assert not [f for f in report["findings"] if f["id"] == "CCA602"]


def test_spec_regulations_adds_a_ruleset(write: Any) -> None:
    text = Path(GOOD).read_text().replace("dataSubjects: [EU, US-CA, US]", "dataSubjects: [JP]")
    path = write("m.yaml", text.replace("  regulations: []", "  regulations: [gdpr, sox]"))
    _, report = check_json("--select", "CCA702", "--select", "CCA002", path)
    assert {(f["id"], f["path"]) for f in report["findings"]} == {("CCA002", "spec.regulations[1]")}
    assert applied(run_cli("standard", path).stdout.splitlines()[1]) == ["gdpr", "hipaa", "ai-security", "pci-dss"]


def test_output_file_and_colour(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli("check", "-f", "json", "-o", str(out), BAD)
    assert result.exit_code == 1 and result.stdout == "" and json.loads(out.read_text())["version"] == 1
    assert "\033[" not in run_cli("check", BAD).stdout
    assert "\033[" in run_cli("check", "--color", BAD).stdout
    assert "\033[" in run_cli("check", BAD, env={"FORCE_COLOR": "1"}).stdout


def test_no_color_env_wins_over_force_color() -> None:
    assert "\033[" not in run_cli("check", BAD, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout


def test_standard_prints_the_effective_table() -> None:
    result = run_cli("standard", GOOD)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert applied(lines[1]) == ["gdpr", "ccpa", "ca-breach", "hipaa", "ai-security", "pci-dss", "eu-ai-act"]
    row = next(line for line in lines if line.startswith("CCA205 auditLogsMinDays"))
    assert "2192" in row and "hipaa: 45 CFR 164.316(b)(2)(i)" in row
    row = next(line for line in lines if line.startswith("CCA602 responseMaxDays"))
    assert "gdpr: GDPR Art. 12(3); hipaa: 45 CFR 164.524" in row and row.endswith("ccpa 45")


def test_rules_lists_every_control_with_citations() -> None:
    rows = json.loads(run_cli("rules", "-f", "json").stdout)
    assert sorted(r["id"] for r in rows) == sorted(catalog())
    cca401 = next(r for r in rows if r["id"] == "CCA401")
    assert cca401["suppressible"] is False and [q["ruleset"] for q in cca401["requiredBy"]] == ["hipaa"]
    assert "| CCA205 | audit-log-retention-too-short | high |" in run_cli("rules", "-f", "markdown").stdout
    assert {r["id"] for r in json.loads(run_cli("rules", "--ruleset", "ccpa", "-f", "json").stdout)} >= {"CCA403"}


def test_explain_by_id_and_slug() -> None:
    by_id = run_cli("explain", "CCA401").stdout
    assert by_id == run_cli("explain", "phi-without-baa").stdout
    for section in ("What it does", "Why it matters", "The law and the rulesets that require it",
                    "Failing example", "Passing example", "45 CFR 164.308(b)(1)"):
        assert section in by_id
    assert run_cli("explain", "CCA999").exit_code == 2


def test_unverified_citations_are_marked_in_explain() -> None:
    page = run_cli("explain", "CCA106").stdout
    assert "164.514(h) [unverified]" in page and "45 CFR 164.312(d) [unverified]" not in page
    assert "    [unverified]: known from secondary sources only, not yet checked against the text of the law" in page


def test_version() -> None:
    from ccaudit import __version__

    assert run_cli("--version").stdout.strip() == f"ccaudit, version {__version__}"


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ccaudit", "check", "--select", "CCA401", BAD],
                            capture_output=True, text=True)
    assert result.returncode == 1 and ": CCA401 [critical]" in result.stdout


def test_ids_lines_helper_is_exact() -> None:
    _, report = check_json("--select", "CCA401", BAD)
    assert ids_lines(report) == {("CCA401", 22), ("CCA401", 31)}


def test_standard_on_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("standard", str(tmp_path))
    assert result.exit_code == 2 and result.stderr == f"ccaudit: error: not a file: {tmp_path}\n"


def test_one_wrong_value_is_one_schema_finding(write: Any) -> None:
    text = Path(GOOD).read_text().replace("      access: read\n      actions: []", "      access: 5\n      actions: []")
    path = write("m.yaml", text)
    _, report = check_json("--select", "CCA002", path)
    assert [(f["path"], f["message"]) for f in report["findings"]] == [
        ("spec.tools[0].access", "spec.tools[0].access: expected string, found integer 5")]


def test_a_defect_met_in_one_file_is_an_internal_error_naming_it(monkeypatch: Any, write: Any) -> None:
    import ccaudit.pipeline

    def broken(*args: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(ccaudit.pipeline, "check_loaded", broken)
    path = write("m.yaml", Path(GOOD).read_text())
    result = run_cli("check", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"ccaudit: error: internal error: {path}: ValueError: boom")
    assert "Traceback" not in result.stderr


def test_interrupt_is_exit_130_without_traceback(monkeypatch: Any) -> None:
    import ccaudit.pipeline

    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(ccaudit.pipeline, "run", interrupted)
    result = run_cli("check", GOOD)
    assert result.exit_code == 130 and result.stderr == "ccaudit: interrupted\n"
