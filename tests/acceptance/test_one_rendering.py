"""One rendering of each thing: a control's page (explain = SARIF help), a citation (one
wording of the unverified mark in every format), a value; SARIF lists the rules the run ran."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ccaudit.rulesets import catalog
from tests.conftest import EXAMPLES, ROOT, run_cli

AS_OF = ("--as-of", "2026-12-01")
CLAIMS = str(EXAMPLES / "claims-chat-agent.yaml")
PARSE_ERROR = str(ROOT / "tests" / "fixtures" / "reports" / "parse-error.yaml")
ENV: dict[str, Any] = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None, "NO_COLOR": None, "FORCE_COLOR": None}


def sarif_run(path: str) -> dict:
    result = run_cli("check", "-f", "sarif", *AS_OF, path, env=ENV)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["runs"][0]


@pytest.fixture(scope="module")
def claims_rules() -> dict[str, dict]:
    return {r["id"]: r for r in sarif_run(CLAIMS)["tool"]["driver"]["rules"]}


def test_sarif_help_is_the_page_explain_prints(claims_rules: dict[str, dict]) -> None:
    assert len(claims_rules) > 30
    for control_id, rule in claims_rules.items():
        page = run_cli("explain", control_id).stdout
        assert rule["help"]["text"] == f"{page}\n`ccaudit explain {control_id}` prints this page."


def test_the_markdown_page_has_the_same_sections_and_citations(claims_rules: dict[str, dict]) -> None:
    markdown = claims_rules["CCA205"]["help"]["markdown"]
    text = claims_rules["CCA205"]["help"]["text"]
    for section in ("What it does", "Why it matters", "The law and the rulesets that require it",
                    "Failing example (under spec:)", "Passing example (under spec:)", "Parameters"):
        assert f"\n{section}\n" in text and f"\n#### {section}\n" in markdown
    for cited in ("45 CFR 164.316(b)(2)(i)", "PCI DSS v4.0.1 10.5.1 [unverified]", "EU AI Act Art. 113 [unverified]"):
        assert f"\n      {cited}\n" in text and f"\n  - {cited}\n" in markdown
    assert "\n- **hipaa** (auditLogsMinDays 2192) [high]\n" in markdown
    assert "\n    hipaa (auditLogsMinDays 2192) [high]\n" in text


def test_an_input_check_says_it_is_always_on() -> None:
    page = run_cli("explain", "CCA001").stdout
    assert ("The law and the rulesets that require it\n"
            "    Always on: an input check that no ruleset can switch off.\n") in page


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "junit", "gitlab"])
def test_every_format_marks_an_unverified_citation_alike(fmt: str) -> None:
    """CCA701's ccpa citation (11 CCR 7150) rests on secondary sources: one wording everywhere."""
    out = run_cli("check", "-f", fmt, *AS_OF, CLAIMS, env=ENV).stdout
    assert "11 CCR 7150 [unverified]" in out
    assert "unverified: secondary sources only" not in out


def test_a_citation_repeated_for_two_parameters_is_cited_once() -> None:
    out = run_cli("check", *AS_OF, CLAIMS, env=ENV).stdout
    line = next(line for line in out.splitlines() if line.startswith("  required by ai-security: Guide"))
    assert line.count("Guide: AI contact center security") == 1


def test_values_read_as_yaml_flow_text_in_explain_and_standard() -> None:
    page = run_cli("explain", "CCA208").stdout + run_cli("explain", "CCA301").stdout
    assert "True" not in page and "False" not in page
    table = run_cli("standard", "--as-of", "2026-12-01", CLAIMS).stdout
    assert "True" not in table and "None" not in table


def test_sarif_of_one_parse_error_lists_only_its_rule() -> None:
    run = sarif_run(PARSE_ERROR)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CCA001"]
    assert [(r["ruleId"], r["ruleIndex"]) for r in run["results"]] == [("CCA001", 0)]


def test_sarif_lists_the_controls_that_ran_and_indexes_them(claims_rules: dict[str, dict]) -> None:
    run = sarif_run(CLAIMS)
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(ids) and len(ids) < len(catalog())
    assert {r["ruleId"] for r in run["results"]} <= set(ids)
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    ran = {c for case in junit_cases(CLAIMS) for c in [case.split()[0]]}
    assert set(ids) == ran  # the controls evaluated on the manifest, passing or failing


def junit_cases(path: str) -> list[str]:
    import xml.etree.ElementTree as ET

    out = run_cli("check", "-f", "junit", *AS_OF, path, env=ENV).stdout
    return [case.get("name", "") for case in ET.fromstring(out).iter("testcase")]


def test_junit_names_passing_cases_from_the_keys_the_run_recorded() -> None:
    """The reporter reads ``RunResult.checked_keys`` (tests/unit/test_import_direction.py keeps it
    from importing the evaluate stage); a failing and a passing case of one key share a name."""
    cases = junit_cases(str(EXAMPLES / "billing-voice-agent.yaml"))
    assert "CCA205 audit-log-retention-too-short spec.retention.auditLogsDays" in cases
    assert "CCA205 audit-log-retention-too-short spec.retention.auditLogsDays" in junit_cases(CLAIMS)
