"""Issue 8, the first hour with the command line: a run that checks nothing says so,
report-only mode, report folders made on demand, and the small things (empty configuration,
--debug after the command, case-insensitive choices, "did you mean", --write-baseline's one
line, the baseline's stale-entry count, standard input, TERM=dumb)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccaudit.cli import main
from tests.conftest import EXAMPLES, ROOT, check_json, example_findings, run_cli

BAD = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
GOOD = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
NOT_A_MANIFEST = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder: a repository with the failing example in agents/ and other YAML in deploy/."""
    (tmp_path / ".git").mkdir()
    for name, text in {"agents/claims.yaml": BAD, "deploy/web.yaml": NOT_A_MANIFEST,
                       "deploy/values.yml": "replicas: 2\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---- item 5: a run that checks nothing says so ------------------------------------------


def test_a_run_without_manifests_says_so(project: Path) -> None:
    result = run_cli("check", "deploy")
    assert result.exit_code == 0
    assert result.stdout == "no AgentDeployment manifest found in 2 YAML files\n"
    assert run_cli("check", "deploy/web.yaml").stdout == "no AgentDeployment manifest found in 1 YAML file\n"


def test_a_run_with_a_manifest_keeps_its_usual_summary(project: Path) -> None:
    clean = project / "agents" / "billing.yaml"
    clean.write_text(GOOD, encoding="utf-8")
    out = run_cli("check", "--as-of", "2026-03-01", "deploy", str(clean)).stdout
    assert out.endswith("0 findings in 1 manifest (3 files)\n")


def test_fail_if_no_manifests_turns_it_into_exit_2(project: Path) -> None:
    result = run_cli("check", "--fail-if-no-manifests", "deploy")
    assert result.exit_code == 2
    assert result.stderr == ("ccaudit: error: no AgentDeployment manifest found in 2 YAML files "
                             "(--fail-if-no-manifests)\n")
    assert run_cli("check", "--fail-if-no-manifests", "--fail-on", "none", "agents").exit_code == 0


def test_github_annotations_and_job_summary_say_nothing_was_checked(project: Path) -> None:
    summary = project / "summary.md"
    result = run_cli("check", "-f", "github", "deploy", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0
    assert "::warning title=ccaudit::no AgentDeployment manifest found in 2 YAML files\n" in result.stdout
    assert "**no AgentDeployment manifest found in 2 YAML files**" in summary.read_text(encoding="utf-8")


# ---- item 6: report-only mode ------------------------------------------------------------


def test_fail_on_none_reports_everything_and_exits_0(project: Path) -> None:
    code, report = check_json("--fail-on", "none", "agents")
    assert code == 0 and report["summary"]["findings"] == example_findings()
    text = run_cli("check", "--fail-on", "none", "agents")
    assert text.exit_code == 0 and "agents/claims.yaml:" in text.stdout


def test_fail_on_none_in_the_configuration(project: Path) -> None:
    (project / ".ccaudit.yaml").write_text("failOn: none\n", encoding="utf-8")
    assert run_cli("check", "agents").exit_code == 0
    assert run_cli("check", "--fail-on", "low", "agents").exit_code == 1


def test_fail_on_none_keeps_usage_and_configuration_errors_at_2(project: Path) -> None:
    assert run_cli("check", "--fail-on", "none", "missing/").exit_code == 2
    (project / ".ccaudit.yaml").write_text("failOn: never\n", encoding="utf-8")
    assert run_cli("check", "--fail-on", "none", "agents").exit_code == 2


# ---- item 8: every report path creates its folders ----------------------------------------


@pytest.mark.parametrize("option", ["-o", "--sarif", "--junit", "--json", "--markdown", "--gitlab",
                                    "--write-baseline"])
def test_report_paths_create_missing_folders(project: Path, option: str) -> None:
    result = run_cli("check", option, "reports/ci/nested/out.file", "agents")
    # agents/claims.yaml has findings (exit 1); writing a baseline accepts them (exit 0)
    assert result.exit_code == (0 if option == "--write-baseline" else 1), result.stderr
    assert (project / "reports" / "ci" / "nested" / "out.file").stat().st_size > 0


def test_a_report_path_that_cannot_be_made_is_exit_2(project: Path) -> None:
    (project / "reports").write_text("a file, not a folder", encoding="utf-8")
    result = run_cli("check", "--sarif", "reports/x.sarif", "agents")
    assert result.exit_code == 2 and result.stderr.startswith("ccaudit: error: cannot write reports/x.sarif: ")


# ---- item 12: small things -----------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "# ccaudit configuration for this repo\n", "\n# only comments\n\n",
                                     "---\n"])
def test_an_empty_or_comments_only_configuration_means_the_defaults(project: Path, content: str) -> None:
    (project / ".ccaudit.yaml").write_text(content, encoding="utf-8")
    code, report = check_json("agents")
    assert code == 1 and report["summary"]["findings"] == example_findings()


def test_an_empty_pyproject_section_means_the_defaults(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.ccaudit]\n", encoding="utf-8")
    code, report = check_json("agents")
    assert code == 1 and report["summary"]["findings"] == example_findings()


def test_a_configuration_with_two_documents_is_still_an_error(project: Path) -> None:
    (project / ".ccaudit.yaml").write_text("failOn: high\n---\nfailOn: low\n", encoding="utf-8")
    result = run_cli("check", "agents")
    assert result.exit_code == 2 and "expected exactly one YAML document" in result.stderr


@pytest.mark.parametrize("args", [["--debug", "check", "missing/"], ["check", "--debug", "missing/"],
                                  ["check", "missing/", "--debug"], ["explain", "--debug", "CCA401"],
                                  ["rules", "--debug"], ["standard", "--debug", "agents/claims.yaml"]])
def test_debug_is_accepted_before_and_after_the_command(project: Path, args: list[str]) -> None:
    result = run_cli(*args)
    assert "no such option" not in result.stderr.lower()
    assert result.exit_code == (2 if "missing/" in args else 0), result.stderr


def test_debug_after_the_command_shows_the_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ccaudit.pipeline

    def broken(config: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ccaudit.pipeline, "run", broken)
    quiet = run_cli("check", "agents")
    assert quiet.exit_code == 2 and "internal error: RuntimeError: boom" in quiet.stderr
    with pytest.raises(RuntimeError, match="boom"):
        run_cli("check", "agents", "--debug")


@pytest.mark.parametrize("args", [["check", "-f", "JSON"], ["check", "--format", "Sarif"],
                                  ["check", "--fail-on", "HIGH"], ["check", "--fail-on", "None"],
                                  ["rules", "-f", "Markdown"], ["standard", "-f", "JSON"]])
def test_choices_are_case_insensitive(project: Path, args: list[str]) -> None:
    target = ["agents/claims.yaml"] if args[0] in ("check", "standard") else []
    result = run_cli(*args, *target)
    # `check` of the failing example exits 1 (0 with --fail-on none); `rules` and `standard` 0
    expected = 1 if args[0] == "check" and args[1:] != ["--fail-on", "None"] else 0
    assert result.exit_code == expected, result.stderr


def test_an_upper_case_format_gives_the_same_report(project: Path) -> None:
    assert run_cli("check", "-f", "JSON", "agents").stdout == run_cli("check", "-f", "json", "agents").stdout
    assert run_cli("check", "--fail-on", "CRITICAL", "--select", "CCA5", "agents").exit_code == 0


@pytest.mark.parametrize(("args", "suggestion"), [
    (["check", "--select", "phi-without-bba", "agents"], "'phi-without-baa'"),
    (["check", "--ignore", "no-log-reveiw", "agents"], "'no-log-review'"),
    (["explain", "CCA4011"], "'CCA401'"),
    (["explain", "phi-withoutbaa"], "'phi-without-baa'"),
])
def test_an_unknown_control_gets_a_did_you_mean(project: Path, args: list[str], suggestion: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert f"(did you mean {suggestion}?)" in result.stderr and result.stderr.count("\n") == 1


def test_no_suggestion_for_a_name_near_nothing(project: Path) -> None:
    result = run_cli("explain", "completely-unrelated")
    assert result.exit_code == 2 and "did you mean" not in result.stderr and "unknown control" in result.stderr


def test_write_baseline_prints_one_line(project: Path) -> None:
    result = run_cli("check", "--write-baseline", "baseline.json", "agents")
    entries = json.loads((project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert result.exit_code == 0 and len(entries) == example_findings()
    assert result.stdout == f"ccaudit: wrote {example_findings()} entries to baseline.json\n" and result.stderr == ""


def test_write_baseline_with_output_still_writes_the_report(project: Path) -> None:
    result = run_cli("check", "-f", "json", "-o", "report.json", "--write-baseline", "b.json", "agents")
    assert result.stdout == f"ccaudit: wrote {example_findings()} entries to b.json\n"
    written = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert written["summary"]["findings"] == example_findings()


def test_stale_baseline_entries_are_counted_in_good_english(project: Path) -> None:
    run_cli("check", "--write-baseline", "baseline.json", "--select", "CCA207,CCA205", "agents")
    fixed = BAD.replace("reviewIntervalDays: 90", "reviewIntervalDays: 1")
    (project / "agents" / "claims.yaml").write_text(fixed, encoding="utf-8")
    one = run_cli("check", "--baseline", "baseline.json", "agents")
    assert "ccaudit: 1 baseline entry no longer occurs (prune them with --write-baseline):\n" in one.stderr
    (project / "agents" / "claims.yaml").write_text(GOOD, encoding="utf-8")
    many = run_cli("check", "--baseline", "baseline.json", "agents")
    assert "ccaudit: 2 baseline entries no longer occur (" in many.stderr


def stdin_check(data: str, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "-f", "json", *args, "-"], input=data.encode("utf-8"),
                                catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def test_check_dash_reads_one_manifest_from_standard_input(project: Path) -> None:
    code, report = stdin_check(BAD)
    _, from_file = check_json("agents/claims.yaml")
    assert code == 1 and {f["file"] for f in report["findings"]} == {"<stdin>"}
    assert [(f["id"], f["line"], f["message"]) for f in report["findings"]] == \
        [(f["id"], f["line"], f["message"]) for f in from_file["findings"]]
    assert report["files"] == [{"file": "<stdin>", "manifests": 1}]


def test_standard_input_honours_suppressions(project: Path) -> None:
    directive = '# ccaudit: ignore-file[CCA702] reason="record of processing kept in the GRC tool"\n'
    code, report = stdin_check(directive + BAD)
    assert code == 1
    assert report["summary"]["findings"] == example_findings() - 1 and report["summary"]["suppressed"] == 1
    assert not any(f["id"] == "CCA702" and f["suppressed"] is None for f in report["findings"])


def test_standard_input_with_other_paths_and_a_clean_manifest(project: Path) -> None:
    code, report = stdin_check(GOOD, "agents")
    assert code == 1 and [f["file"] for f in report["files"]] == ["<stdin>", "agents/claims.yaml"]
    assert {f["file"] for f in report["findings"]} == {"agents/claims.yaml"}


def test_standard_input_text_report_names_it(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", "-"], input=BAD.encode("utf-8"), catch_exceptions=False)
    assert result.exit_code == 1 and result.stdout.startswith("<stdin>\n<stdin>:")


def colour_on_a_terminal(term: str, *args: str) -> str:
    """ccaudit's output with its stdout on a pseudo-terminal (read while it runs: the terminal's buffer is small)."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM=term, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "ccaudit", "check", "--select", "CCA205", *args,
                                str(EXAMPLES / "claims-chat-agent.yaml")], stdout=follower, stderr=subprocess.DEVNULL,
                               env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 1
    return b"".join(chunks).decode("utf-8")


def test_term_dumb_gets_no_colour() -> None:
    assert "\x1b[" in colour_on_a_terminal("xterm-256color")
    assert "\x1b[" not in colour_on_a_terminal("dumb")
    assert "\x1b[" in colour_on_a_terminal("dumb", "--color")
