"""rulesets/ and schemas/ are found from a wheel in a fresh venv and from the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from ccaudit.resources import data_dir
from tests.conftest import EXAMPLES, ROOT


def test_source_tree_or_editable_install_uses_the_top_level_folders() -> None:
    assert data_dir("rulesets") == ROOT / "rulesets"
    assert data_dir("schemas") == ROOT / "schemas"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("ccaudit-*.whl"))


def test_wheel_ships_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = sorted(data_dir("rulesets").glob("*.yaml"))
    assert {"controls.yaml", "regions.yaml", "gdpr.yaml"} <= {path.name for path in sources}
    for path in sources:
        assert f"ccaudit/_data/rulesets/{path.name}" in names
        assert f"ccaudit/_bundled/{path.stem}.json" in names
    for name in ("manifest.schema.json", "ruleset.schema.json", "report.schema.json", "config.schema.json"):
        assert f"ccaudit/_data/schemas/{name}" in names
    for name in ("_manifest_check.py", "_manifest_errors.py", "_config_errors.py"):
        assert f"ccaudit/{name}" in names


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_checks_the_examples(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    # Dependencies come from this environment's site-packages (no network in tests); ccaudit itself
    # only from the wheel: the editable install's .pth is not read from a directory added this way.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run([str(python), "-c", "import ccaudit.resources as r; print(r.data_dir('rulesets'))"],
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()
    assert where.startswith(purelib) and where.endswith(os.path.join("ccaudit", "_data", "rulesets"))
    result = subprocess.run([str(env_dir / "bin" / "ccaudit"), "check", str(EXAMPLES)], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "CCA401 [critical]" in result.stdout and "in 1 of 2 manifests" in result.stdout
