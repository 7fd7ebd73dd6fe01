"""What a new user reads first: counts that add up in every format, the fix shown where people
look, file names and manifest text that cannot break or hijack a report, regions that make sense."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ccaudit.reporters import REPORTERS
from tests.conftest import EXAMPLES, check_json, run_cli

CLEAN_ENV = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None, "NO_COLOR": None, "FORCE_COLOR": None}
GOOD = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
BAD = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")


def summary_line(*args: str, fmt: str = "text") -> str:
    result = run_cli("check", "-f", fmt, *args, env=CLEAN_ENV)
    line = [line for line in result.stdout.splitlines() if " finding" in line and " manifest" in line][-1]
    # no --fail-on here: exit 1 exactly when the summary counts a finding
    assert result.exit_code == (0 if line.lstrip("*").startswith("0 findings") else 1), (line, result.output)
    return line


# ---- item 4: counts that add up --------------------------------------------------------


def test_a_clean_run_reads_naturally(write: Any) -> None:
    assert summary_line(write("a.yaml", GOOD)) == "0 findings in 1 manifest (1 file)"


def test_a_finding_outside_the_manifest_is_not_a_second_manifest(write: Any) -> None:
    path = write("a.yaml", BAD + "# ccaudit: ignore[CCA999]\n")
    code, report = check_json(path)
    count = report["summary"]["findings"]
    assert code == 1 and report["summary"]["manifests"] == 1 and report["summary"]["files"] == 1
    assert "CCA005" in {f["id"] for f in report["findings"]}
    text = summary_line(path)
    assert re.fullmatch(rf"{count} findings \(.*\) in 1 of 1 manifest \(1 file\)", text), text
    for fmt in ("github", "markdown"):
        assert text in summary_line(path, fmt=fmt)


def test_only_a_finding_outside_any_manifest(write: Any) -> None:
    path = write("a.yaml", GOOD + "# ccaudit: ignore[CCA999]\n")
    assert summary_line(path) == "1 finding (1 high) in 1 manifest (1 file)"
    assert check_json(path)[1]["summary"]["manifests"] == 1


def test_every_format_counts_the_same(write: Any, tmp_path: Path) -> None:
    write("a/good.yaml", GOOD)
    write("a/bad.yaml", BAD + "# ccaudit: ignore[CCA999]\n")
    write("a/notes.yaml", "just: yaml\n")
    summary = check_json(str(tmp_path / "a"))[1]["summary"]
    text = summary_line(str(tmp_path / "a"))
    assert summary["files"] == 3 and summary["manifests"] == 2
    assert text.startswith(f"{summary['findings']} findings (") and text.endswith("in 1 of 2 manifests (3 files)")
    assert summary_line(str(tmp_path / "a"), fmt="markdown") == f"**{text}**"


# ---- item 9: the fix where people look ---------------------------------------------------


def finding_with_fix(write: Any) -> tuple[str, dict[str, Any]]:
    path = write("a.yaml", BAD)
    finding = next(f for f in check_json(path)[1]["findings"] if f["id"] == "CCA205")
    return path, finding


def test_text_shows_the_fix_below_the_citation(write: Any) -> None:
    path, finding = finding_with_fix(write)
    lines = run_cli("check", path, env=CLEAN_ENV).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if ": CCA205 " in line)
    fix = lines.index("  fix:", at)
    assert lines[fix - 1].startswith("  required by ")
    assert lines[fix + 1:fix + 3] == ["    " + line for line in finding["remediation"].splitlines()]


def test_text_dims_the_fix_on_a_terminal(write: Any) -> None:
    path, _ = finding_with_fix(write)
    assert "\033[2m  fix:\033[0m" in run_cli("check", "--color", path, env=CLEAN_ENV).stdout


def test_markdown_and_annotations_show_the_fix(write: Any) -> None:
    path = write("a.yaml", GOOD.replace("auditLogsDays: 2192", "auditLogsDays: 365"))
    finding = next(f for f in check_json(path)[1]["findings"] if f["id"] == "CCA205")
    markdown = run_cli("check", "-f", "markdown", path, env=CLEAN_ENV).stdout
    row = next(line for line in markdown.splitlines() if "CCA205" in line)
    assert row.endswith("| <code>retention:</code><br><code>&nbsp;&nbsp;auditLogsDays: 2192</code> |")
    github = run_cli("check", "-f", "github", path, env=CLEAN_ENV).stdout
    annotation = next(line for line in github.splitlines() if line.startswith("::") and "CCA205" in line)
    assert annotation.endswith("%0Afix:%0Aretention:%0A  auditLogsDays: 2192")
    issue = next(i for i in json.loads(run_cli("check", "-f", "gitlab", path).stdout) if i["check_name"] == "CCA205")
    assert finding["remediation"] in issue["content"]["body"]


# ---- from item 13: names and text that cannot break a report ---------------------------


RAW_NAME = b"agent-\xff\x1b[31m.yaml"


@pytest.fixture
def raw_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A manifest whose file name holds a byte that is not UTF-8 and an ESC (git allows both)."""
    folder = tmp_path / "repo"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), RAW_NAME), "w", encoding="utf-8") as handle:
        handle.write(BAD)
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_a_file_name_that_is_not_utf8_renders_in_every_format(raw_named: Path, fmt: str) -> None:
    result = run_cli("check", "-f", fmt, "-o", "report.out", ".", env=CLEAN_ENV)
    assert result.exit_code == 1, result.output
    text = (raw_named / "report.out").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\udcff" not in text
    name = "agent-\\xff\\x1b[31m.yaml"
    if fmt == "json":
        assert json.loads(text)["findings"][0]["file"] == name
    elif fmt == "gitlab":
        assert json.loads(text)[0]["location"]["path"] == name
    elif fmt == "sarif":
        location = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "agent-%5Cxff%5Cx1b%5B31m.yaml"
    else:
        assert name in text


def test_o_leaves_no_half_written_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Any) -> None:
    """A report that fails while it is being made leaves the previous file as it was, and no stray file."""
    from ccaudit import reporters

    def failing(result: Any, options: Any) -> Any:
        yield "half"
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(reporters.REPORTERS, "text", failing)
    out = tmp_path / "out" / "report.txt"
    out.parent.mkdir()
    out.write_text("previous\n")
    result = run_cli("check", "-o", str(out), write("a.yaml", GOOD))
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert out.read_text() == "previous\n" and os.listdir(out.parent) == ["report.txt"]


# A vendor named with an ESC sequence: the remediation names it raw (``- name: ...``).
HOSTILE = GOOD.replace("    - name: acme-llm\n", '    - name: "acme\\e[2J"\n', 1).replace(
    "      trainingOnCustomerData: false\n", "      trainingOnCustomerData: true\n", 1)


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "junit"])
def test_control_characters_from_the_manifest_are_shown_escaped(write: Any, fmt: str) -> None:
    result = run_cli("check", "-f", fmt, write("a.yaml", HOSTILE), env=CLEAN_ENV)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.stdout and "acme\\x1b[2J" in result.stdout


def test_the_caret_stays_under_the_escaped_text(write: Any) -> None:
    text = GOOD.replace("  retention:\n", "  retention:\n    \x1b[2J: 1\n", 1)
    lines = run_cli("check", write("a.yaml", text), env=CLEAN_ENV).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "| " in line and "\\x1b[2J: 1" in line)
    source, caret = lines[at], lines[at + 1]
    assert "\x1b" not in source and "character U+001B" in lines[at - 1]
    assert caret.index("^") == source.index("\\x1b") and caret.count("^") == len("\\x1b")


# ---- from item 13: regions well-formed at their cause ------------------------------------


ALIAS = """apiVersion: ccaudit/v1
kind: AgentDeployment
metadata:
  name: x
  owner: &o cx-platform-team-with-a-rather-long-name
spec:
  dataCategories: [contact]
  retention:
    auditLogsDays: *o
"""


def regions(fmt: str, path: str) -> list[tuple[int, int, int, int]]:
    result = run_cli("check", "-f", fmt, path, env=CLEAN_ENV)
    if fmt == "json":
        return [(f["line"], f["column"], f["endLine"], f["endColumn"]) for f in json.loads(result.stdout)["findings"]]
    spans = [r["locations"][0]["physicalLocation"]["region"] for r in json.loads(result.stdout)["runs"][0]["results"]]
    return [(r["startLine"], r["startColumn"], r["endLine"], r["endColumn"]) for r in spans]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_key_whose_value_is_an_alias_gets_a_region_that_ends_after_it_starts(write: Any, fmt: str) -> None:
    found = regions(fmt, write("a.yaml", ALIAS))
    assert (9, 5, 9, 18) in found  # auditLogsDays alone, not up to the anchor on line 5
    assert all((line, column) <= (end_line, end_column) for line, column, end_line, end_column in found)
    issues = json.loads(run_cli("check", "-f", "gitlab", write("a.yaml", ALIAS)).stdout)
    assert all(i["location"]["lines"]["begin"] <= i["location"]["lines"]["end"] for i in issues)


def test_sarif_keeps_a_multi_line_regions_end_column(write: Any) -> None:
    text = GOOD.replace("      trainingOnCustomerData: false\n", '      trainingOnCustomerData: "yes\n  no"\n', 1)
    found = regions("sarif", write("a.yaml", text))
    multi = [r for r in found if r[2] > r[0]]
    assert multi and set(multi) == {(31, 7, 32, 6)}, found  # the end column on the later line, as it is (not >= 7)


@pytest.mark.parametrize("text, span", [
    ("apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: [a", (3, 13, 3, 13)),
    ("apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: [a\n", (4, 1, 4, 1)),
    ("apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata:\n  name: a: b\n", (4, 10, 4, 11)),
])
def test_a_parse_error_region_stays_inside_its_line(write: Any, text: str, span: tuple[int, int, int, int]) -> None:
    assert regions("json", write("a.yaml", text)) == [span]


# ---- item 7: JUnit that GitLab and Jenkins keep ----------------------------------------


def junit_cases(folder: Path, *paths: str) -> dict[tuple[str, str], Any]:
    """(classname, name) -> case, asserting that no pair repeats."""
    from junitparser import JUnitXml

    out = folder / "report.xml"
    run_cli("check", "--junit", str(out), "-o", str(folder / "report.txt"), *paths, env=CLEAN_ENV)
    cases = [case for suite in JUnitXml.fromfile(str(out)) for case in suite]
    keys = [(case.classname, case.name) for case in cases]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    return dict(zip(keys, cases, strict=True))


def failed(case: Any) -> bool:
    from junitparser import Failure

    return any(isinstance(r, Failure) for r in case.result)


@pytest.fixture
def staging_prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with staging/agent.yaml and prod/agent.yaml, both named billing-agent."""
    (tmp_path / ".git").mkdir()
    for stage in ("staging", "prod"):
        (tmp_path / stage).mkdir()
        (tmp_path / stage / "agent.yaml").write_text(BAD.replace("name: claims-chat-agent", "name: billing-agent"))
    monkeypatch.chdir(tmp_path / "prod")  # report paths relative to the current folder, classnames to the repository
    return tmp_path


def test_junit_cases_are_unique_across_files_sharing_a_manifest_name(staging_prod: Path) -> None:
    cases = junit_cases(staging_prod, str(staging_prod / "staging"), str(staging_prod / "prod"))
    classnames = {c for c, _ in cases}
    assert classnames == {"staging/agent.yaml (billing-agent)", "prod/agent.yaml (billing-agent)"}
    prod = {name: case for (c, name), case in cases.items() if c.startswith("prod/")}
    # two findings of one control at two paths, and two at one path (numbered in report order)
    assert failed(prod["CCA601 breach-notice-too-slow spec.incidentResponse.authorityNotificationHours"])
    assert failed(prod["CCA601 breach-notice-too-slow spec.incidentResponse.individualNotificationDays"])
    assert failed(prod["CCA206 unredacted-logs spec.logging.redaction"])
    assert failed(prod["CCA206 unredacted-logs spec.logging.redaction #2"])
    assert failed(prod["CCA303 vendor-trains-on-data spec.vendors[fast-llm].trainingOnCustomerData"])
    case = prod["CCA205 audit-log-retention-too-short spec.retention.auditLogsDays"]
    assert case._elem.get("line") == "64" and case._elem.get("file") == "prod/agent.yaml"
    assert "line 64" in case.result[0].message and "agent.yaml:64:5" in case.result[0].text


def test_junit_case_names_do_not_move_with_lines_and_match_when_fixed(staging_prod: Path) -> None:
    prod = staging_prod / "prod" / "agent.yaml"
    before = junit_cases(staging_prod, str(prod))
    key = ("prod/agent.yaml (billing-agent)", "CCA205 audit-log-retention-too-short spec.retention.auditLogsDays")
    assert failed(before[key])
    prod.write_text("# moved down\n\n" + prod.read_text())
    moved = junit_cases(staging_prod, str(prod))
    assert set(moved) == set(before) and moved[key]._elem.get("line") == "66"
    prod.write_text(prod.read_text().replace("auditLogsDays: 365", "auditLogsDays: 2192"))
    fixed = junit_cases(staging_prod, str(prod))
    assert not failed(fixed[key]) and not fixed[key].result
    assert set(fixed) == set(before)  # the fixed finding's case is the passing case, nothing new or lost


# ---- item 9: messages name the key to set ----------------------------------------------


def messages(write: Any, text: str) -> set[str]:
    return {f"{f['id']} {f['message']}" for f in check_json(write("a.yaml", text))[1]["findings"]}


def test_messages_name_the_key_and_read_as_written(write: Any) -> None:
    found = messages(write, BAD)
    assert "CCA601 incidentResponse.individualNotificationDays is 60 days; at most 30 days required" in found
    assert "CCA602 dataSubjectRights.responseDays is 45 days; at most 30 days required" in found
    assert "CCA703 monitoring.redTeamingIntervalDays is missing; at most 365 days required" in found
    assert "CCA405 vendor 'fast-llm': breachNoticeHours is 168 hours; at most 72 hours required" in found
    assert "CCA105 tool 'ehr.member_record': auth.credential is static; use short_lived credentials" in found
    assert not any(bad in m for m in found for bad in ("''s", " a undeclared", " a u", "None"))


def test_a_missing_credential_and_a_null_value_read_naturally(write: Any) -> None:
    text = BAD.replace("        credential: static\n", "", 1)
    text = text.replace("    immutable: false\n", "    immutable: null\n", 1)
    found = messages(write, text)
    assert "CCA105 tool 'ehr.member_record': auth.credential is missing; use short_lived credentials" in found
    assert "CCA002 spec.logging.immutable: expected boolean, found null" in found
