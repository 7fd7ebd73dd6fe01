"""Built-in rulesets are found, not listed: a new rulesets/<id>.yaml is applied, named and listed
with no list to edit, before and after `python -m ccaudit.generate` writes its parsed copy.
Each run here is a separate process on a copy of the package, so nothing of this tree changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.spec_matrix import applied, core

POLICY = """\
apiVersion: ccaudit/v1
kind: Ruleset
id: zz-policy
title: A policy added for the test
appliesWhen:
  dataSubjectsIn: [JP]
requirements:
  - control: CCA107
    parameters: {maxRecordsPerCall: 5}
    citations: [{ref: ZZ-1}]
"""


def _copy_of_the_tree(top: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("ccaudit", "rulesets", "schemas"):
        shutil.copytree(ROOT / name, top / name, ignore=ignore)
    (top / "rulesets" / "zz-policy.yaml").write_text(POLICY, encoding="utf-8")
    return top


def _run(top: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(top)}
    return subprocess.run([sys.executable, "-m", *args], check=False, cwd=top, env=env, capture_output=True,
                          text=True)


def _seen(top: Path) -> dict[str, Any]:
    """How the runs see the new ruleset: --ruleset, spec.regulations, `rules`, the standard's trigger."""
    # 50 records: within ai-security's 100, above the policy's 5
    text = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8").replace(
        "maxRecordsPerCall: 1", "maxRecordsPerCall: 50", 1)
    plain, named = top / "plain.yaml", top / "named.yaml"
    plain.write_text(text, encoding="utf-8")
    named.write_text(text.replace("  regulations: []", "  regulations: [zz-policy]"), encoding="utf-8")
    by_name = _run(top, "ccaudit", "check", "-f", "json", "--select", "CCA107", "--select", "CCA002", str(named))
    flag = _run(top, "ccaudit", "check", "-f", "json", "--ruleset", "zz-policy", "--select", "CCA107", str(plain))
    rules = json.loads(_run(top, "ccaudit", "rules", "-f", "json").stdout)
    japan = top / "jp.yaml"
    japan.write_text(text.replace("dataSubjects: [EU, US-CA, US]", "dataSubjects: [JP]"), encoding="utf-8")
    return {
        "named": [(f["id"], [r["ruleset"] for r in f["requirements"]]) for f in json.loads(by_name.stdout)["findings"]],
        "flag": [(f["id"], f["requirements"][-1]) for f in json.loads(flag.stdout)["findings"]],
        "rules": [q["ruleset"] for r in rules if r["id"] == "CCA107" for q in r["requiredBy"]],
        "trigger": _run(top, "ccaudit", "standard", str(japan)).stdout.splitlines()[1],
    }


@pytest.mark.slow
def test_a_new_ruleset_file_is_applied_named_and_listed_before_and_after_generating(tmp_path: Path) -> None:
    top = _copy_of_the_tree(tmp_path)
    before = _seen(top)
    [(control, rulesets)] = before["named"]
    assert control == "CCA107" and core(rulesets) == ["ai-security"] and rulesets[-1] == "zz-policy"
    assert before["flag"] == [("CCA107", {"ruleset": "zz-policy", "citation": "ZZ-1", "value": 5, "binding": True})]
    assert core(before["rules"]) == ["ai-security"] and before["rules"][-1] == "zz-policy"
    assert applied(before["trigger"]) == ["hipaa", "ai-security", "pci-dss"]
    assert before["trigger"].endswith(", zz-policy")
    generated = _run(top, "ccaudit.generate")
    assert "wrote ccaudit/_bundled/zz-policy.json" in generated.stdout, generated.stderr
    assert json.loads((top / "ccaudit" / "_bundled" / "zz-policy.json").read_text())["data"]["id"] == "zz-policy"
    assert _seen(top) == before
