"""Issue 4: inline suppressions, configuration waivers, and every way a suppression can be wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, check_json, run_cli

BASE = (EXAMPLES / "billing-voice-agent.yaml").read_text()
GOVERNANCE = "  governance:\n    dpia: docs/dpia-billing-agent.pdf\n    recordOfProcessing: docs/ropa.xlsx\n"
NO_ROPA = "  governance:\n    dpia: docs/dpia-billing-agent.pdf\n"


def manifest(governance: str = NO_ROPA, header: str = "", **replace: str) -> str:
    text = header + BASE.replace(GOVERNANCE, governance)
    for old, new in replace.items():
        text = text.replace(old, new, 1)
    return text


def found(report: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(f["id"], f["line"], f["suppressed"] and f["suppressed"]["kind"]) for f in report["findings"]]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_trailing_suppression_on_the_finding_line(write: Any) -> None:
    text = manifest(NO_ROPA.replace("  governance:\n", '  governance:  # ccaudit: ignore[CCA702] reason="ROPA in GRC" '
                                                      "until=2099-01-31\n"))
    code, report = check_json(write("m.yaml", text))
    assert code == 0 and found(report) == [("CCA702", line_of(text, "governance:"), "inline")]
    assert report["findings"][0]["suppressed"] == {"kind": "inline", "reason": "ROPA in GRC", "until": "2099-01-31"}
    assert report["summary"]["findings"] == 0 and report["summary"]["suppressed"] == 1


def test_comment_block_above_counts_as_the_line_above(write: Any) -> None:
    text = manifest("  # Our ROPA lives in the GRC tool.\n  # ccaudit: ignore[no-record-of-processing] reason=\"GRC\"\n"
                    "  # reviewed by privacy, 2026-11\n" + NO_ROPA)
    assert found(check_json(write("m.yaml", text))[1]) == [("CCA702", line_of(text, "governance:"), "inline")]


def test_a_directive_two_lines_above_with_code_between_does_not_apply(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="GRC"\n  payments:\n    captureMode: dtmf_masking\n' + NO_ROPA,
                    **{"  payments:\n    captureMode: dtmf_masking\n  adminAccess:": "  adminAccess:"})
    _, report = check_json(write("m.yaml", text))
    assert found(report) == [("CCA006", line_of(text, "ccaudit: ignore"), None),
                             ("CCA702", line_of(text, "governance:"), None)]


def test_file_wide_suppression_in_the_first_comment_block(write: Any) -> None:
    header = '# Legacy agent.\n# ccaudit: ignore-file[CCA702,no-drift-detection] reason="legacy, retired 2027"\n'
    text = manifest(header=header, **{"    driftDetection: true\n": ""})
    code, report = check_json(write("m.yaml", text))
    assert code == 0 and sorted(f for f, _, kind in found(report) if kind == "inline") == ["CCA702", "CCA704"]


@pytest.mark.parametrize("comment, message", [
    ("# ccaudit: ignore[CCA702]", 'a reason is required: reason="..."'),
    ('# ccaudit: ignore[CCA799] reason="x"', "unknown control 'CCA799'"),
    ('# ccaudit: ignore[CCA702] reason="x" until=2020-01-31', "expired on 2020-01-31"),
    ('# ccaudit: ignore[CCA702] reason="x" until=soon', "until must be a date YYYY-MM-DD, found 'soon'"),
    ("# ccaudit:ignore CCA702", "malformed suppression"),
    ('# ccaudit: ignore[CCA702] reason="unclosed', "malformed suppression: No closing quotation"),
    ('# ccaudit: ignore[CCA001] reason="x"', "CCA001 (invalid-yaml) cannot be suppressed inline"),
])
def test_invalid_suppressions_are_cca005_and_suppress_nothing(write: Any, comment: str, message: str) -> None:
    text = manifest(f"  {comment}\n" + NO_ROPA)
    code, report = check_json(write("m.yaml", text))
    comment_line = line_of(text, "# ccaudit")
    assert code == 1
    assert found(report) == [("CCA005", comment_line, None), ("CCA702", comment_line + 1, None)]
    assert message in report["findings"][0]["message"]
    assert (report["findings"][0]["column"], report["findings"][0]["endColumn"]) == (3, 3 + len(comment))


def test_expired_suppression_returns_the_finding_with_a_note(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="x" until=2020-01-31\n' + NO_ROPA)
    code, report = check_json(write("m.yaml", text))
    # the finding is back, unsuppressed, at its own line, and the run fails on it; the stale
    # directive is a CCA005 at its line
    assert (code, found(report)) == (1, [("CCA005", line_of(text, "# ccaudit"), None),
                                         ("CCA702", line_of(text, "governance:"), None)])
    finding = report["findings"][1]
    assert finding["message"].endswith("(its suppression expired on 2020-01-31)")


def test_until_is_inclusive(write: Any) -> None:
    from datetime import datetime, timezone

    today = datetime.now(timezone.utc).date().isoformat()
    text = manifest(f'  # ccaudit: ignore[CCA702] reason="x" until={today}\n' + NO_ROPA)
    code, report = check_json(write("m.yaml", text))
    assert (code, found(report)) == (0, [("CCA702", line_of(text, "governance:"), "inline")])


def test_unsuppressible_control_stays_reported(write: Any) -> None:
    suppressed = '        baa: false  # ccaudit: ignore[CCA401] reason="signing"\n'
    text = manifest(GOVERNANCE, **{"        baa: true\n": suppressed})
    line = line_of(text, "baa: false")
    assert found(check_json(write("m.yaml", text))[1]) == [("CCA401", line, None), ("CCA005", line, None)]


def test_unused_suppression_is_cca006_only_for_evaluated_controls(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="x"\n' + GOVERNANCE)
    assert found(check_json(write("a.yaml", text))[1]) == [("CCA006", line_of(text, "# ccaudit"), None)]
    # CCA404 runs only under GDPR; a Japan-only manifest does not evaluate it, so no CCA006
    text = manifest('  # ccaudit: ignore[CCA404] reason="x"\n' + GOVERNANCE,
                    **{"dataSubjects: [EU, US-CA, US]": "dataSubjects: [JP]"})
    assert found(check_json(write("b.yaml", text))[1]) == []


def test_no_inline_suppressions_ignores_every_comment(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="x"\n  # ccaudit: ignore[CCA799]\n' + NO_ROPA)
    path = write("m.yaml", text)
    assert found(check_json("--no-inline-suppressions", path)[1]) == [("CCA702", line_of(text, "governance:"), None)]


def test_text_summary_counts_suppressed(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="x"\n' + NO_ROPA)
    result = run_cli("check", "--as-of", "2026-03-01", write("m.yaml", text))  # no obligation due within 90 days
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "0 findings, 1 suppressed in 1 manifest (1 file)"


def test_config_waiver_sets_aside_an_unsuppressible_control(write: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("agents/legacy/m.yaml", manifest(GOVERNANCE, **{"        baa: true\n": "        baa: false\n"}))
    write(".ccaudit.yaml", 'waivers:\n  - control: phi-without-baa\n    paths: ["agents/legacy/**"]\n'
          '    reason: "BAA signed on paper, DocuSign pending"\n    until: "2099-01-31"\n')
    monkeypatch.chdir(tmp_path)
    code, report = check_json(path)
    assert code == 0 and report["findings"][0]["suppressed"] == {
        "kind": "config", "reason": "BAA signed on paper, DocuSign pending", "until": "2099-01-31"}
    assert report["summary"]["suppressed"] == 1
    result = run_cli("check", "--as-of", "2026-03-01", path)
    assert result.stdout.splitlines()[-1] == "0 findings, 1 suppressed in 1 manifest (1 file)"


def test_expired_config_waiver_returns_the_finding(write: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("m.yaml", manifest())
    write(".ccaudit.yaml", "waivers: [{control: CCA702, reason: GRC, until: '2020-01-01'}]\n")
    monkeypatch.chdir(tmp_path)
    code, report = check_json(path)
    assert code == 1 and report["findings"][0]["message"].endswith("(its waiver expired on 2020-01-01)")


def test_ignore_cannot_switch_off_an_unsuppressible_control(write: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write(".ccaudit.yaml", "ignoreControls: [CCA401]\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", write("m.yaml", manifest()))
    assert result.exit_code == 2 and "cannot be switched off" in result.stderr


def test_a_directive_naming_an_unsuppressible_control_suppresses_nothing(write: Any) -> None:
    text = manifest(GOVERNANCE, **{"        baa: true\n        ccpaTerms: true\n":
                                   '        # ccaudit: ignore[CCA401,CCA403] reason="x"\n        baa: false\n'})
    code, report = check_json(write("m.yaml", text))
    line = line_of(text, "# ccaudit")
    # nothing suppressed: CCA403 and CCA401 stay, and the directive itself is a CCA005
    assert (code, found(report)) == (1, [("CCA403", line_of(text, "agreements:"), None), ("CCA005", line, None),
                                         ("CCA401", line_of(text, "baa: false"), None)])


def test_a_directive_inside_a_quoted_value_is_not_a_comment(write: Any) -> None:
    text = manifest(GOVERNANCE, **{"  description: Handles billing questions and refunds by phone and chat.":
                                   '  description: "see # ccaudit: ignore[CCA999] for details"'})
    assert found(check_json(write("m.yaml", text))[1]) == []


def test_identical_unused_suppressions_have_distinct_fingerprints(write: Any) -> None:
    comment = '  # ccaudit: ignore[CCA704] reason="x"\n'
    text = manifest(comment + comment + GOVERNANCE)
    report = check_json(write("m.yaml", text))[1]
    assert [f["id"] for f in report["findings"]] == ["CCA006", "CCA006"]
    assert len({f["fingerprint"] for f in report["findings"]}) == 2


def test_input_controls_can_be_ignored(write: Any) -> None:
    text = manifest('  # ccaudit: ignore[CCA702] reason="x"\n' + GOVERNANCE)
    path = write("m.yaml", text)
    code, report = check_json(path)  # the contrast: the unused suppression is reported
    assert (code, [f["id"] for f in report["findings"]]) == (1, ["CCA006"])
    for ignore in ("CCA006", "CCA0"):
        code, report = check_json("--ignore", ignore, path)
        assert (code, report["findings"], report["summary"]["manifests"]) == (0, [], 1), ignore
