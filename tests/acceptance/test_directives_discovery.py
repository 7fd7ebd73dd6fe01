"""Issue 8, items 2 and 3: a ``# ccaudit`` comment is a directive only where it can be one,
and each file is checked once.

Item 2: suppression directives are read only in files holding a manifest, and only from
real YAML comments (never from inside a block, flow or quoted scalar). Item 3: a folder
reached twice through links is walked once, a file named twice is reported once, and
virtual environments and build output are not walked unless named as a PATH.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from ccaudit.pipeline import RunConfig, run
from tests.conftest import EXAMPLES, ROOT, check_json, run_cli

BASE = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
# billing.issue_refund: the line that, switched to false, gives CCA106 on the next line
CONDITION = '      approvalCondition: "amount > 50"\n      requiresVerifiedCustomer: true\n'
DIRECTIVE = '# ccaudit: ignore[CCA106] reason="verified upstream"'


def with_condition(condition: str) -> str:
    """The example with billing.issue_refund unverified (CCA106), ``condition`` just above it."""
    assert CONDITION in BASE
    return BASE.replace(CONDITION, condition + "      requiresVerifiedCustomer: false\n", 1)


UNVERIFIED = with_condition(CONDITION.split("\n")[0] + "\n")


def found(report: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(f["id"], f["line"], f["suppressed"] and f["suppressed"]["kind"]) for f in report["findings"]]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---- item 2: files without a manifest say what they like ----------------------------


NOT_MANIFESTS = {
    ".ccaudit.yaml": "# ccaudit configuration for this repo\nfailOn: high\n",
    "compose.yaml": "services:\n  web:\n    image: nginx # ccaudit: not a manifest\n",
    "notes.yaml": '# ccaudit: ignore[CCA999] reason="not ours"\nitems: [a, b]\n',
}


@pytest.mark.parametrize("name", sorted(NOT_MANIFESTS))
def test_a_file_without_a_manifest_is_silent_whatever_its_comments_say(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(NOT_MANIFESTS[name], encoding="utf-8")
    for args in ((str(path),), (str(tmp_path),)):  # named (the pre-commit hook) and found in a folder
        code, report = check_json(*args)
        assert (code, report["findings"]) == (0, []), args
        # read, and found to hold no manifest (not silent because it was never looked at)
        assert [(Path(f["file"]).name, f["manifests"]) for f in report["files"]] == [(name, 0)], args


def test_a_configuration_opening_with_a_ccaudit_comment_is_used_and_silent(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".ccaudit.yaml").write_text(NOT_MANIFESTS[".ccaudit.yaml"], encoding="utf-8")  # failOn: high
    # one medium finding (CCA207, logs reviewed every 90 days): below the configured failOn
    (tmp_path / "agent.yaml").write_text(BASE.replace("reviewIntervalDays: 1\n", "reviewIntervalDays: 90\n", 1),
                                         encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, report = check_json()
    assert [(f["id"], f["severity"]) for f in report["findings"]] == [("CCA207", "medium")]  # no CCA005/006
    assert code == 0  # the configuration was used: without it, a medium finding exits 1
    assert check_json("--fail-on", "low")[0] == 1


def test_the_shipped_rulesets_give_no_finding() -> None:
    """controls.yaml holds `# ccaudit: ignore[...]` inside `|` block scalars (the examples)."""
    assert "# ccaudit: ignore[" in (ROOT / "rulesets" / "controls.yaml").read_text(encoding="utf-8")
    code, report = check_json(str(ROOT / "rulesets"))
    assert (code, report["findings"]) == (0, [])
    assert "rulesets/controls.yaml" in {f["file"].replace(os.sep, "/")[-len("rulesets/controls.yaml"):]
                                        for f in report["files"]}  # the file was read


def test_the_pre_commit_hook_passes_named_non_manifests(tmp_path: Path) -> None:
    paths = []
    for name, text in NOT_MANIFESTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    result = run_cli("check", *paths)
    assert result.exit_code == 0, result.stdout


# ---- item 2: only real comments -----------------------------------------------------


IN_SCALARS = {
    "literal block": f"      approvalCondition: |\n        amount > 50\n        {DIRECTIVE}\n",
    "folded block": f"      approvalCondition: >-\n        amount > 50\n        {DIRECTIVE}\n",
    "kept block": f"      approvalCondition: |+\n        amount > 50\n        {DIRECTIVE}\n\n",
    "double-quoted, several lines": '      approvalCondition: "amount > 50\n        '
                                    + DIRECTIVE.replace('"', '\\"') + '"\n',
    "single-quoted, several lines": f"      approvalCondition: 'amount > 50\n        {DIRECTIVE}'\n",
    "double-quoted, one line": f"""      requiresVerifiedCustomer: "x {DIRECTIVE.replace('"', "'")}"\n""",
    "flow sequence": f"""      approvalCondition: ["x {DIRECTIVE.replace('"', "'")}",\n        '{DIRECTIVE}']\n""",
}


@pytest.mark.parametrize("condition", IN_SCALARS.values(), ids=list(IN_SCALARS))
def test_a_directive_inside_a_scalar_is_text_not_a_comment(write: Any, condition: str) -> None:
    """It neither suppresses the finding on the next line nor is reported as bad or unused."""
    text = with_condition(condition)
    code, report = check_json(write("m.yaml", text))
    ids = [f["id"] for f in report["findings"]]
    assert "CCA005" not in ids and "CCA006" not in ids, report["findings"]
    assert ("CCA106", line_of(text, "requiresVerifiedCustomer: false"), None) in found(report)
    assert code == 1


@pytest.mark.parametrize("condition", [
    f"      approvalCondition: |\n        amount > 50\n      {DIRECTIVE}\n",  # right after a block scalar
    f'      approvalCondition: "amount > 50\n        and more"\n      {DIRECTIVE}\n',  # after a multi-line quote
])
def test_a_real_comment_next_to_a_scalar_is_read(write: Any, condition: str) -> None:
    text = with_condition(condition)
    code, report = check_json(write("m.yaml", text))
    assert (code, found(report)) == (0, [("CCA106", line_of(text, "requiresVerifiedCustomer: false"), "inline")])


@pytest.mark.parametrize("condition", [
    f"      approvalCondition: |  {DIRECTIVE}\n        amount > 50\n",  # the block's text starts below
    f"      approvalCondition: 'amount # 50'  {DIRECTIVE}\n",  # after a '#' inside quotes
    f'      approvalCondition: amount > 50\n      fields: ["order # id", amount] {DIRECTIVE}\n',  # after flow
])
def test_a_trailing_comment_after_a_scalar_is_read(write: Any, condition: str) -> None:
    """Read as a directive: here it covers its own line only, so it is reported as unused."""
    text = with_condition(condition).replace("      fields: [orderId, amount]\n", "", "fields: [" in condition)
    _, report = check_json(write("m.yaml", text))
    assert [(i, line) for i, line, _ in found(report)] == [
        ("CCA006", line_of(text, "ccaudit: ignore")), ("CCA106", line_of(text, "requiresVerifiedCustomer: false"))]


def test_the_comment_block_above_a_finding_does_not_reach_into_a_block_scalar(write: Any) -> None:
    """Block text that looks like comments is not part of the comment block above a line."""
    text = with_condition(f"      approvalCondition: |\n        {DIRECTIVE}\n        # looks like a comment\n")
    _, report = check_json(write("m.yaml", text))
    assert found(report) == [("CCA106", line_of(text, "requiresVerifiedCustomer: false"), None)]


def test_a_file_wide_directive_inside_a_leading_block_scalar_is_not_read(write: Any) -> None:
    """A real one in the first comment block is read; the same text in a block scalar of a
    leading document is neither read nor reported as misplaced."""
    text = f"---\n{DIRECTIVE.replace('ignore[', 'ignore-file[')}\n" + UNVERIFIED
    code, report = check_json(write("m.yaml", text))
    assert (code, found(report)) == (0, [("CCA106", line_of(text, "requiresVerifiedCustomer: false"), "inline")])
    text = "notes: |\n  " + DIRECTIVE.replace("ignore[", "ignore-file[") + "\n---\n" + UNVERIFIED
    code, report = check_json(write("m.yaml", text))
    assert (code, found(report)) == (1, [("CCA106", line_of(text, "requiresVerifiedCustomer: false"), None)])


def test_a_long_suppression_reason_costs_what_a_long_comment_costs(tmp_path: Path) -> None:
    """The fields parser is linear: a 1 MB reason against a 1 MB plain comment next to a short
    directive, same file size (it took 24 s, quadratic, before)."""
    size = 1_000_000
    directive = '  # ccaudit: ignore[CCA106] reason="{}"\n'
    hostile = with_condition(CONDITION.split("\n")[0] + "\n" + directive.format("a" * size))
    plain = with_condition(CONDITION.split("\n")[0] + "\n" + "  # " + "a" * (size - 9) + "\n"
                           + directive.format("short"))
    assert abs(len(hostile) - len(plain)) < 100
    ratio = _cost(tmp_path, "hostile.yaml", hostile) / _cost(tmp_path, "plain.yaml", plain)
    assert ratio < 8, ratio


def _cost(folder: Path, name: str, text: str) -> float:
    """CPU seconds of the best of three runs over one file."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    costs = []
    for _ in range(3):
        start = time.process_time()
        result = run(RunConfig(paths=(str(path),)))
        costs.append(time.process_time() - start)
        assert [f.id for f in result.findings if f.suppressed is not None] == ["CCA106"]
    return max(min(costs), 1e-3)


# ---- item 3: each file once ---------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    (top / "lib" / "pkg").mkdir(parents=True)
    (top / "lib" / "pkg" / "agent.yaml").write_text(UNVERIFIED, encoding="utf-8")
    return top


def _files(report: dict[str, Any]) -> list[str]:
    return [f["file"] for f in report["files"]]


def test_a_folder_reached_twice_through_a_link_is_walked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    os.symlink("lib", top / "lib64")  # as in a virtual environment
    os.symlink("pkg", top / "lib" / "alias")  # a link further down, sorted before pkg
    monkeypatch.chdir(top)
    code, report = check_json(".")
    assert (code, _files(report), len(report["findings"])) == (1, ["lib/pkg/agent.yaml"], 1)


def test_a_file_named_twice_or_linked_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    os.symlink("lib/pkg/agent.yaml", top / "a-link.yaml")  # sorts before lib/
    os.link(top / "lib" / "pkg" / "agent.yaml", top / "lib" / "hard.yaml")
    monkeypatch.chdir(top)
    code, report = check_json("lib/pkg/agent.yaml", "lib/pkg/agent.yaml", "./lib/pkg/agent.yaml", ".")
    assert (code, _files(report), len(report["findings"])) == (1, ["lib/pkg/agent.yaml"], 1)
    code, report = check_json(".")  # found in the walk: under its own name, not the link's
    assert _files(report) in (["lib/hard.yaml"], ["lib/pkg/agent.yaml"]) and len(report["findings"]) == 1


SKIPPED = ("venv", ".venv", ".tox", "build", "dist", "__pycache__", "site-packages", "node_modules")


def test_environments_and_build_output_are_not_walked_unless_named(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    for name in SKIPPED:
        (top / name / "deep").mkdir(parents=True)
        shutil.copy(top / "lib" / "pkg" / "agent.yaml", top / name / "deep" / "copy.yaml")
    monkeypatch.chdir(top)
    assert _files(check_json(".")[1]) == ["lib/pkg/agent.yaml"]
    for name in SKIPPED:  # a folder named as a PATH is checked all the same
        assert _files(check_json(name)[1]) == [f"{name}/deep/copy.yaml"], name
