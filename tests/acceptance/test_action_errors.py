"""Issue 8, the composite action after an error (exit 2): no `sarif-file` output naming a file
that is not there, no empty `findings=`, an error annotation and a job summary that say what
stopped the run; `fail-on: none` and `fail-if-no-manifests` through the action's inputs.

Why no output rather than an empty SARIF: uploading a SARIF file without results tells code
scanning that every open alert of the category is fixed, so a typo in `paths` would close
them all. With no output the README's upload step is skipped and the job fails once, clearly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.acceptance.test_integrations import Runner, action, readme_block
from tests.conftest import example_findings


@pytest.mark.parametrize(("inputs", "error"), [
    ({"paths": "agnets/"}, "ccaudit: error: path does not exist: agnets/"),
    ({"paths": "claims-chat-agent.yaml", "fail-on": "severe"}, "Invalid value for '--fail-on'"),
    ({"paths": "claims-chat-agent.yaml", "baseline": "not-written-yet.json"}, "not-written-yet.json"),
    ({"paths": "claims-chat-agent.yaml", "args": "--exclude 'unbalanced"}, "input CCAUDIT_ARGS"),
    ({"paths": ".", "fail-if-no-manifests": "maybe"}, "input fail-if-no-manifests: expected true or false"),
])
def test_after_an_error_the_action_sets_no_outputs_and_says_why(tmp_path: Path, inputs: dict[str, str],
                                                                error: str) -> None:
    runner = Runner(tmp_path)
    install, check = runner.run(inputs)
    assert install.returncode == 0 and check.returncode == 2, check.stdout + check.stderr
    assert runner.outputs() == {}
    assert not (runner.workspace / "ccaudit.sarif").exists()
    summary = runner.summary.read_text(encoding="utf-8")
    assert "## ccaudit stopped with an error (exit 2)" in summary and "no SARIF file" in summary
    assert error.replace("'", "&#x27;") in summary
    annotation = next(line for line in check.stdout.splitlines() if line.startswith("::error title=ccaudit::"))
    assert error in annotation and error in check.stderr


def test_the_error_summary_escapes_what_it_quotes(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    _, check = runner.run({"paths": "'<img src=x onerror=alert(1)>.yaml'"})
    assert check.returncode == 2 and runner.outputs() == {}
    summary = runner.summary.read_text(encoding="utf-8")
    assert "<img" not in summary and "&lt;img src=x onerror=alert(1)&gt;.yaml" in summary


def test_fail_on_none_reports_but_passes(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    _, check = runner.run({"paths": "claims-chat-agent.yaml", "fail-on": "none"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert runner.outputs() == {"findings": str(example_findings()), "sarif-file": "ccaudit.sarif"}
    assert "::error file=claims-chat-agent.yaml," in check.stdout


def test_no_manifest_is_a_warning_and_fail_if_no_manifests_an_error(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    (runner.workspace / "deploy").mkdir()
    (runner.workspace / "deploy" / "web.yaml").write_text("kind: Deployment\n", encoding="utf-8")
    _, check = runner.run({"paths": "deploy"})
    assert check.returncode == 0 and runner.outputs() == {"findings": "0", "sarif-file": "ccaudit.sarif"}
    assert "::warning title=ccaudit::no AgentDeployment manifest found in 1 YAML file" in check.stdout
    assert "no AgentDeployment manifest found in 1 YAML file" in runner.summary.read_text(encoding="utf-8")

    (tmp_path / "strict").mkdir()
    strict = Runner(tmp_path / "strict")
    (strict.workspace / "deploy").mkdir()
    (strict.workspace / "deploy" / "web.yaml").write_text("kind: Deployment\n", encoding="utf-8")
    _, check = strict.run({"paths": "deploy", "fail-if-no-manifests": "true"})
    assert check.returncode == 2 and strict.outputs() == {}
    assert "## ccaudit stopped with an error (exit 2)" in strict.summary.read_text(encoding="utf-8")
    assert "no AgentDeployment manifest found in 1 YAML file (--fail-if-no-manifests)" in check.stdout


def test_a_sarif_file_in_a_new_folder(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    _, check = runner.run({"paths": "claims-chat-agent.yaml", "sarif-file": "reports/ci/ccaudit.sarif"})
    assert check.returncode == 1, check.stderr
    assert runner.outputs() == {"findings": str(example_findings()), "sarif-file": "reports/ci/ccaudit.sarif"}
    assert (runner.workspace / "reports" / "ci" / "ccaudit.sarif").stat().st_size > 0


def test_the_readme_upload_step_runs_only_when_there_is_a_sarif_file() -> None:
    import yaml

    steps = yaml.safe_load(readme_block("# .github/workflows/"))["jobs"]["ccaudit"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "steps.ccaudit.outputs.sarif-file != ''" in upload["if"] and "!cancelled()" in upload["if"]
    assert "fail-if-no-manifests" in action()["inputs"]
