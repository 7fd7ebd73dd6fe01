"""Issue 8, item 13 (part): hostile files around the manifests.

Only regular files are read, each within the 5 MiB bound: a FIFO or a device named ``*.yaml``
in a scanned folder is skipped; named on the command line it is a CCA001 at 1:1 (the user
asked for it, so the run says why it was not checked). A configuration file, pyproject.toml,
baseline or user ruleset that is a FIFO, a device, too large, too deeply nested or holds a
4,300+ digit number stops the run with one line naming the file (exit 2), never a hang or an
``internal error``. Runs that could hang use a subprocess with a timeout (it only catches a
hang); costs are compared as ratios, never timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli

EXAMPLE = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
COMPANION = EXAMPLE.replace("        dpa: true\n", "        dpa: false\n", 1)  # one CCA402
MIB = 1024 * 1024

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def ccaudit(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("CCAUDIT_DEBUG", None)
    try:
        return subprocess.run([sys.executable, "-m", "ccaudit", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ccaudit did not finish within {timeout}s (a hang; the child was killed)")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    (top / ".git").mkdir()  # stops the configuration search here
    (top / "companion.yaml").write_text(COMPANION, encoding="utf-8")
    return top


def _findings(proc: subprocess.CompletedProcess[str]) -> dict[str, list[tuple[str, int, int, str]]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    out: dict[str, list[tuple[str, int, int, str]]] = {}
    for f in report["findings"]:
        out.setdefault(f["file"], []).append((f["id"], f["line"], f["column"], f["message"]))
    return out


# ---- manifests: regular files only -------------------------------------------------


def _specials(folder: Path) -> list[str]:
    os.mkfifo(folder / "fifo.yaml")
    os.symlink("/dev/zero", folder / "zero.yaml")
    return ["fifo.yaml", "zero.yaml"]


def test_special_files_in_a_scanned_folder_are_skipped(repo: Path) -> None:
    _specials(repo)
    proc = ccaudit("check", "-f", "json", ".", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert [(i, line) for i, line, _, _ in _findings(proc)["companion.yaml"]] == [("CCA402", 27)]
    assert [f["file"] for f in json.loads(proc.stdout)["files"]] == ["companion.yaml"]


def test_a_special_file_named_on_the_command_line_is_cca001_at_1_1(repo: Path) -> None:
    names = _specials(repo)
    proc = ccaudit("check", "-f", "json", *names, "companion.yaml", cwd=repo)
    found = _findings(proc)
    assert proc.returncode == 1
    assert found["fifo.yaml"] == [("CCA001", 1, 1, "cannot read file: not a regular file (a FIFO)")]
    assert found["zero.yaml"] == [("CCA001", 1, 1, "cannot read file: not a regular file (a device)")]
    assert [i for i, *_ in found["companion.yaml"]] == ["CCA402"]


# ---- configuration, baseline, rulesets: one line naming the file ---------------------


def _big_yaml() -> str:
    return "exclude:\n" + "".join(f"  - 'generated/dir{i}/**'\n" for i in range(8 * MIB // 28))


HOSTILE: dict[str, dict[str, str]] = {
    # kind -> case -> content
    "baseline.json": {
        "deep": '{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "huge int": '{"version": 1' + "0" * 5000 + ', "findings": []}',
        "too large": '{"version": 1, "findings": []}' + " " * 6 * MIB,
    },
    "config.yaml": {
        "deep": "exclude: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "huge int": "failOn: 1" + "0" * 5000 + "\n",
        "too large": _big_yaml(),
    },
    ".ccaudit.yaml": {
        "deep": "exclude:\n" + "".join("  " * i + "- \n" for i in range(1, 2000)),
        "huge int": "exclude: [1" + "0" * 5000 + "]\n",
        "too large": _big_yaml(),
    },
    "ruleset.yaml": {
        "deep": "id: x\nrequirements: " + "{a: " * 5000 + "}" * 5000 + "\n",
        "huge int": "id: 1" + "0" * 5000 + "\n",
        "too large": "# padding\n" * (6 * MIB // 10),
    },
    "pyproject.toml": {
        "deep": "[tool.ccaudit]\nexclude = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "huge int": "[tool.ccaudit]\nfailOn = 1" + "0" * 5000 + "\n",
        "too large": "[tool.ccaudit]\n" + "# padding\n" * (6 * MIB // 10),
    },
}
OPTION = {"baseline.json": "--baseline", "config.yaml": "--config", "ruleset.yaml": "--ruleset"}
CASES = [(kind, case) for kind, cases in HOSTILE.items() for case in (*cases, "fifo", "/dev/zero")]


def _place(repo: Path, kind: str, case: str) -> None:
    path = repo / kind
    if case == "fifo":
        os.mkfifo(path)
    elif case == "/dev/zero":
        os.symlink("/dev/zero", path)
    else:
        path.write_text(HOSTILE[kind][case], encoding="utf-8")


@pytest.mark.parametrize("kind, case", CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_a_hostile_side_file_is_one_line_naming_it_and_exit_2(repo: Path, kind: str, case: str) -> None:
    _place(repo, kind, case)
    option = (OPTION[kind], kind) if kind in OPTION else ()
    proc = ccaudit("check", *option, "companion.yaml", cwd=repo)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr[-500:]
    assert kind in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert len(proc.stderr) < 400, proc.stderr


def test_the_size_bound_names_the_limit(repo: Path) -> None:
    _place(repo, ".ccaudit.yaml", "too large")
    proc = ccaudit("check", "companion.yaml", cwd=repo)
    assert proc.stderr.endswith(".ccaudit.yaml: cannot read: file is larger than the 5 MiB limit\n"), proc.stderr


def test_a_fifo_configuration_named_with_config_is_not_called_missing(repo: Path) -> None:
    _place(repo, "config.yaml", "fifo")
    proc = ccaudit("check", "--config", "config.yaml", "companion.yaml", cwd=repo)
    assert proc.stderr == "ccaudit: error: config.yaml: cannot read: not a regular file (a FIFO)\n"


# ---- costs: ratios against a plain file of the same size -------------------------------


def _cost(repo: Path, config: str, code: int) -> float:
    """CPU seconds of the best of three in-process runs with ``config`` as .ccaudit.yaml, each
    ending with exit ``code`` (2: the file stopped at the bound; 1: read and the manifests checked)."""
    (repo / ".ccaudit.yaml").write_text(config, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        costs = []
        for _ in range(3):
            start = time.process_time()
            result = run_cli("check", ".")
            costs.append(time.process_time() - start)
            assert result.exit_code == code, result.stderr
    finally:
        os.chdir(cwd)
    return max(min(costs), 1e-3)


def _plain_like(text: str) -> str:
    """A valid configuration of the same size: one exclude entry and a long comment."""
    head = "exclude: ['generated/**']\n# "
    return head + "x" * (len(text) - len(head) - 1) + "\n"


def test_an_oversized_exclude_list_costs_what_an_oversized_comment_costs(repo: Path) -> None:
    """8 MB of exclude globs ran past 60 s and 600 MiB; now both files stop at the bound."""
    hostile = _big_yaml()
    assert len(hostile) > 5 * MIB
    ratio = _cost(repo, hostile, 2) / _cost(repo, _plain_like(hostile), 2)
    assert ratio < 5, ratio


def test_a_long_exclude_list_within_the_bound_stays_cheap(repo: Path) -> None:
    """40,000 globs (more than fnmatch's cache of 32,768 compiled patterns, which made every
    path compile every glob again) over ten manifests, against a same-size plain file. The
    ratio left is the YAML cost of 40,000 list items, paid once."""
    for i in range(10):
        (repo / f"agent{i}.yaml").write_text(COMPANION, encoding="utf-8")
    hostile = "exclude:\n" + "".join(f"  - 'generated/dir{i}/**'\n" for i in range(40_000))
    ratio = _cost(repo, hostile, 1) / _cost(repo, _plain_like(hostile), 1)
    assert ratio < 40, ratio
