"""The README's two commands, literally: `.ci/run` calls the second, and both pass in a fresh
clone with a fresh virtual environment (slow: it installs everything and runs the suite again)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Set in the clone's own test run, so that it does not clone itself again.
INNER = "CCAUDIT_README_COMMANDS_INNER"


def readme_commands() -> list[str]:
    """The commands of the README's "Two commands" block (comments left out)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Two commands", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_readme_has_two_commands_that_make_their_own_venv() -> None:
    first, second = readme_commands()
    for command in (first, second):
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert first.endswith("&& ccaudit check examples/")
    assert "npm ci --prefix tests/.tools" in second and second.endswith("&& pytest -q")


def test_ci_runs_exactly_the_readmes_second_command() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in lines


def fresh_machine_env(home: Path) -> dict[str, str]:
    """This environment without the test run's virtual environment: what a new shell has."""
    venv = os.environ.get("VIRTUAL_ENV")
    path = [p for p in os.environ["PATH"].split(os.pathsep) if not (venv and p.startswith(venv))]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
           and not k.startswith(("CCAUDIT_", "GITHUB_", "PYTEST_"))}
    return dict(env, PATH=os.pathsep.join(path), HOME=str(home), **{INNER: "1"})


def shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get(INNER)), reason="already inside the README commands' own test run")
def test_the_readme_commands_pass_in_a_fresh_clone(tmp_path: Path) -> None:
    assert shutil.which("npm"), "npm is missing: the README's second command needs Node.js and npm"
    clone, home = tmp_path / "clone", tmp_path / "home"
    home.mkdir()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    env = fresh_machine_env(home)
    first, second = readme_commands()
    for attempt in (1, 2):  # a second run reuses the existing .venv
        done = shell(first, clone, env)
        assert done.returncode == 1, f"run {attempt}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "in 1 of 2 manifests (2 files)\n" in done.stdout, done.stdout[-2000:]  # the summary (then upcoming law)
        assert "examples/claims-chat-agent.yaml:" in done.stdout
    done = shell(second, clone, env)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    tail = done.stdout.strip().splitlines()[-1]
    assert " passed" in tail and "failed" not in tail and "error" not in tail, tail
    assert (clone / ".venv" / "bin" / "ccaudit").exists() and (clone / "tests" / ".tools" / "node_modules").is_dir()
