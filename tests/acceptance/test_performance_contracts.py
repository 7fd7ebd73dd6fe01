"""What speed depends on, checked as behaviour (timings live in bench/, never in tests):
a one-file run imports only what it uses, and workers change nothing in the result."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, FIXTURES, ROOT, run_cli

UNUSED_ON_A_CLEAN_TEXT_RUN = ("jsonschema", "fastjsonschema", "multiprocessing", "ruamel", "junit_xml",
                              "ccaudit.reporters.sarif", "ccaudit.reporters.junit", "ccaudit._manifest_errors",
                              "ccaudit.suppress", "ccaudit.baseline", "difflib", "ccaudit.generate",
                              "hashlib", "ccaudit.authoring")


def _modules_after(*args: str) -> set[str]:
    code = ("import sys\nfrom ccaudit.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.splitlines()[-1].split())


def test_a_one_file_text_run_of_a_clean_manifest_imports_nothing_it_does_not_use() -> None:
    loaded = _modules_after("check", str(EXAMPLES / "billing-voice-agent.yaml"))
    assert "ccaudit.reporters.text" in loaded and "ccaudit._manifest_check" in loaded
    assert not {m for m in loaded if m.split(".")[0] in UNUSED_ON_A_CLEAN_TEXT_RUN or m in UNUSED_ON_A_CLEAN_TEXT_RUN}


def test_a_schema_error_is_located_without_jsonschema() -> None:
    loaded = _modules_after("check", str(FIXTURES / "controls" / "CCA002.yaml"))
    assert "ccaudit._manifest_errors" in loaded and "jsonschema" not in loaded


def test_workers_give_the_same_report(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "controls", corpus / "controls")
    shutil.copytree(EXAMPLES, corpus / "examples")
    outputs = []
    for jobs in ("1", "2"):
        result = run_cli("check", "-j", jobs, "-f", "json", "--assume-all", str(corpus))
        assert result.exit_code == 1
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count('"id": "CCA') > 300


def test_a_check_run_never_imports_the_generator() -> None:
    loaded = _modules_after("check", str(EXAMPLES))
    assert "ccaudit.datafiles" in loaded and "ccaudit.generate" not in loaded
