"""Robustness (bad input): docs/spec quality.md, manifest.md "Principles", cli.md "Exit codes".

Every bad input ends with the documented exit code, a located finding (or, for the two
cases that stop the run, one line on stderr), no traceback, and every other file of the
same run still checked. Each case therefore passes a second, well-formed but noncompliant
file (COMPANION: the valid example with the first vendor's ``dpa`` switched off, one CCA402)
in the same run and asserts that its finding is present.

Inputs that could hang or crash the interpreter (an alias bomb, deep nesting, a 50 MiB file,
a directory loop) run the CLI in a subprocess with a timeout, so a failure is a failed test
rather than a hung or killed test session.
"""

from __future__ import annotations

import builtins
import codecs
import copy
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, ROOT, Write, run_cli

EXAMPLE = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
REPORT_KEYS = {"version", "tool", "findings", "files", "summary"}


def line_of(text: str, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


def insert_after(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(number, new + "\n")
    return "".join(lines)


# the first vendor's (acme-llm) `dpa: true`
DPA_LINE = line_of(EXAMPLE, "dpa: true")
COMPANION = replace_line(EXAMPLE, DPA_LINE, "        dpa: false")
COMPANION_NAME = "companion.yaml"
COMPANION_FINDINGS = {("CCA402", DPA_LINE, 9)}

# a small, syntactically broken manifest body reused below
HEAD = "apiVersion: ccaudit/v1\nkind: AgentDeployment\n"


# ---- helpers ------------------------------------------------------------------------------


def _report(stdout: str) -> dict[str, Any]:
    report = json.loads(stdout)
    assert set(report) >= REPORT_KEYS, report.keys()
    return report


def by_file(report: dict[str, Any]) -> dict[str, set[tuple[str, int, int]]]:
    """File name (last component) -> {(id, line, column)}."""
    found: dict[str, set[tuple[str, int, int]]] = {}
    for f in report["findings"]:
        found.setdefault(Path(f["file"]).name, set()).add((f["id"], f["line"], f["column"]))
    return found


def ids_lines_of(report: dict[str, Any], name: str) -> set[tuple[str, int]]:
    return {(f["id"], f["line"]) for f in report["findings"] if Path(f["file"]).name == name}


def findings_of(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if Path(f["file"]).name == name]


def no_traceback(*streams: str) -> None:
    for stream in streams:
        assert "Traceback" not in stream, stream[-2000:]


def check(*paths: str) -> tuple[int, dict[str, Any], Result]:
    """`ccaudit check -f json PATHS` in process; asserts no traceback and a valid report."""
    result = run_cli("check", "-f", "json", *paths)
    no_traceback(result.stdout, result.stderr)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    return result.exit_code, _report(result.stdout), result


def check_sub(*paths: str, cwd: str | None = None, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    """The same in a subprocess (a hang or a crash of the interpreter fails the test, not the session).
    The timeout only catches hangs; speed is measured in bench/, never asserted here."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("CCAUDIT_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, "-m", "ccaudit", "check", "-f", "json", *paths],
                              cwd=cwd or str(ROOT), env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ccaudit did not finish within {timeout}s (the child was killed)")
    no_traceback(proc.stdout, proc.stderr)
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    return proc.returncode, _report(proc.stdout)


def manifests_by_file(report: dict[str, Any]) -> dict[str, int]:
    """File name (last component) -> how many manifests the run found in it: the files it saw."""
    return {Path(f["file"]).name: f["manifests"] for f in report["files"]}


def assert_companion_checked(report: dict[str, Any]) -> None:
    assert by_file(report).get(COMPANION_NAME) == COMPANION_FINDINGS
    assert manifests_by_file(report).get(COMPANION_NAME) == 1


def assert_seen_without_manifests(report: dict[str, Any], name: str) -> None:
    """The run read ``name`` (it is in the report's files) and found no manifest in it: the
    absence of its findings is then a result, not a file that was never looked at."""
    assert manifests_by_file(report).get(name) == 0, report["files"]
    assert name not in by_file(report)


@pytest.fixture
def companion(write: Write) -> str:
    return write(COMPANION_NAME, COMPANION)


def test_companion_alone_has_exactly_one_finding(companion: str) -> None:
    code, report, _ = check(companion)
    assert code == 1
    assert_companion_checked(report)
    assert len(report["findings"]) == 1


# ---- YAML syntax errors ---------------------------------------------------------------------

SYNTAX_ERRORS = {
    # name: (text, line, column) where libyaml (and PyYAML's pure-Python parser) stops
    "tab-indent": (HEAD + "metadata:\n\tname: x\n", 4, 1),
    "unclosed-flow-mapping": (HEAD + "metadata: {name: x, owner: y\nspec: {}\n", 4, 5),
    "bad-indentation": (HEAD + "metadata:\n  name: x\n owner: y\nspec: {}\n", 5, 2),
    "colon-in-plain-value": (HEAD + "metadata:\n  name: x: y\n", 4, 10),
    # valid UTF-8 but not allowed in YAML: libyaml's reader stops at the character
    "control-character": (HEAD + "metadata:\n  name: x\n  owner: cx\x07platform\n", 5, 12),
}


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS))
def test_yaml_syntax_error_is_cca001_where_the_parser_stopped(case: str, write: Write, companion: str) -> None:
    text, line, column = SYNTAX_ERRORS[case]
    bad = write("broken.yaml", text)
    code, report, _ = check(bad, companion)
    assert code == 1
    assert by_file(report)["broken.yaml"] == {("CCA001", line, column)}
    assert_companion_checked(report)


def test_yaml_syntax_error_in_the_full_example(write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "toolCalls: true")
    text = replace_line(EXAMPLE, line, "    toolCalls: [true")
    bad = write("broken.yaml", text)
    code, report, _ = check(bad, companion)
    assert code == 1
    # the flow sequence opened on the broken line goes on to the next one, where the parser
    # stops at the `:` of `routingDecisions:` (a mapping inside a flow sequence needs braces)
    assert by_file(report)["broken.yaml"] == {("CCA001", line + 1, len("    routingDecisions") + 1)}
    assert manifests_by_file(report)["broken.yaml"] == 0
    assert_companion_checked(report)


def test_broken_yaml_without_the_marker_is_skipped_silently(write: Write, companion: str) -> None:
    helm = write("templates/deployment.yaml",
                 "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                 "  name: {{ .Release.Name }}\n  labels: [oops\n{{- end }}\n")
    code, report, _ = check(helm)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["manifests"] == 0
    assert_seen_without_manifests(report, "deployment.yaml")
    code, report, _ = check(helm, companion)
    assert code == 1
    assert_seen_without_manifests(report, "deployment.yaml")
    assert (report["summary"]["files"], report["summary"]["manifests"]) == (2, 1)
    assert_companion_checked(report)


# ---- encodings ------------------------------------------------------------------------------


def test_invalid_utf8_is_cca001_at_the_bad_byte(write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "description: Handles billing")
    prefix = "  description: Handles "
    data = EXAMPLE.encode("utf-8").splitlines(keepends=True)
    data[line - 1] = prefix.encode() + b"caf\xe9 billing questions.\n"  # Latin-1 e-acute
    bad = write("latin1.yaml", b"".join(data))
    code, report, _ = check(bad, companion)
    assert code == 1
    assert by_file(report)["latin1.yaml"] == {("CCA001", line, len(prefix) + 4)}
    assert_companion_checked(report)


def test_invalid_utf8_on_the_first_line(write: Write, companion: str) -> None:
    bad = write("latin1.yaml", b"# \xff\xfe not a BOM here\n" + EXAMPLE.encode())
    code, report, _ = check(bad, companion)
    assert code == 1
    assert ids_lines_of(report, "latin1.yaml") == {("CCA001", 1)}
    assert_companion_checked(report)


ENCODINGS = {
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be-bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-16-le-no-bom": lambda text: text.encode("utf-16-le"),
    "utf-16-be-no-bom": lambda text: text.encode("utf-16-be"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_other_unicode_encodings_are_checked_like_utf8(encoding: str, write: Write, companion: str) -> None:
    # a second noncompliance further down, to check that lines are counted right
    line = line_of(COMPANION, "immutable: true")
    text = replace_line(COMPANION, line, "    immutable: false")
    expected_utf8 = by_file(check(write("reference.yaml", text))[1])["reference.yaml"]
    assert ("CCA402", DPA_LINE, 9) in expected_utf8
    assert any(f_line == line for _, f_line, _ in expected_utf8)
    encoded = write("encoded.yaml", ENCODINGS[encoding](text))
    code, report, _ = check(encoded, companion)
    assert code == 1
    assert by_file(report)["encoded.yaml"] == expected_utf8
    assert {Path(f["file"]).name: f["manifests"] for f in report["files"]}["encoded.yaml"] == 1
    assert_companion_checked(report)


INVALID_UTF16 = {
    "le-bom": (codecs.BOM_UTF16_LE, "utf-16-le", b"\x00\xd8"),  # a lone high surrogate
    "be-bom": (codecs.BOM_UTF16_BE, "utf-16-be", b"\xd8\x00"),
    "le-no-bom": (b"", "utf-16-le", b"\x00\xd8"),
    "be-no-bom": (b"", "utf-16-be", b"\xd8\x00"),
}


@pytest.mark.parametrize("case", sorted(INVALID_UTF16))
def test_invalid_utf16_is_cca001_at_the_bad_line(case: str, write: Write, companion: str) -> None:
    bom, codec, bad = INVALID_UTF16[case]
    line = line_of(EXAMPLE, "owner: cx-platform")
    data = b"".join(text.encode(codec) if number != line else
                    "  owner: cx".encode(codec) + bad + "\n".encode(codec)
                    for number, text in enumerate(EXAMPLE.splitlines(keepends=True), 1))
    path = write("utf16bad.yaml", bom + data)
    code, report, _ = check(path, companion)
    assert code == 1
    assert ids_lines_of(report, "utf16bad.yaml") == {("CCA001", line)}
    assert_companion_checked(report)


def test_truncated_utf16_is_cca001(write: Write, companion: str) -> None:
    path = write("utf16odd.yaml", codecs.BOM_UTF16_LE + EXAMPLE.encode("utf-16-le") + b"A")  # odd byte count
    code, report, _ = check(path, companion)
    assert code == 1
    # the odd byte comes after the last newline: on the line after the last one, column 1
    assert by_file(report)["utf16odd.yaml"] == {("CCA001", len(EXAMPLE.splitlines()) + 1, 1)}
    assert_companion_checked(report)


def test_valid_example_in_utf16_has_no_findings(write: Write) -> None:
    for name, encode in ENCODINGS.items():
        path = write(f"{name}.yaml", encode(EXAMPLE))
        code, report, _ = check(path)
        assert (code, report["findings"], report["summary"]["manifests"]) == (0, [], 1), name


# ---- empty files --------------------------------------------------------------------------

EMPTY = {
    "empty": "",
    "whitespace": "\n\n   \n",
    "comments": "# nothing here yet\n# TODO: write the manifest\n",
    "comments-with-marker": "# apiVersion: ccaudit/v1\n# kind: AgentDeployment\n",
    "document-markers-only": "---\n# a comment\n---\n",
}


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_empty_and_comment_only_files_are_skipped_silently(case: str, write: Write, companion: str) -> None:
    path = write("empty.yaml", EMPTY[case])
    code, report, _ = check(path)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["manifests"] == 0
    assert_seen_without_manifests(report, "empty.yaml")
    code, report, _ = check(path, companion)
    assert code == 1
    assert_seen_without_manifests(report, "empty.yaml")
    assert (report["summary"]["files"], report["summary"]["manifests"]) == (2, 1)
    assert_companion_checked(report)


# ---- a manifest that is not a mapping -------------------------------------------------------


def test_manifest_that_is_a_list_is_cca002_at_line_1(write: Write, companion: str) -> None:
    body = "".join(("- " if i == 0 else "  ") + line + "\n"
                   for i, line in enumerate(line for line in EXAMPLE.splitlines() if not line.startswith("#")))
    path = write("list.yaml", body)
    code, report, _ = check(path, companion)
    assert code == 1
    assert by_file(report)["list.yaml"] == {("CCA002", 1, 1)}
    assert_companion_checked(report)


@pytest.mark.parametrize("text", [
    "'apiVersion: ccaudit/v1 kind: AgentDeployment'\n",
    "apiVersion: ccaudit/v1 and nothing else\n",
    "\"apiVersion: ccaudit/v1\"\n",
])
def test_manifest_that_is_a_scalar_is_cca002_at_line_1(text: str, write: Write, companion: str) -> None:
    path = write("scalar.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    assert ids_lines_of(report, "scalar.yaml") == {("CCA002", 1)}
    assert_companion_checked(report)


# ---- duplicate keys -------------------------------------------------------------------------


def test_duplicate_key_is_cca003_at_the_second_key_and_the_last_value_wins(write: Write, companion: str) -> None:
    text = insert_after(EXAMPLE, DPA_LINE, "        dpa: false")  # dpa: true, then dpa: false
    path = write("dup.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    assert by_file(report)["dup.yaml"] == {("CCA003", DPA_LINE + 1, 9), ("CCA402", DPA_LINE + 1, 9)}
    assert_companion_checked(report)


def test_duplicate_key_last_value_compliant(write: Write, companion: str) -> None:
    text = insert_after(COMPANION, DPA_LINE, "        dpa: true")  # dpa: false, then dpa: true
    path = write("dup.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    assert by_file(report)["dup.yaml"] == {("CCA003", DPA_LINE + 1, 9)}
    assert_companion_checked(report)


def test_duplicate_top_level_key(write: Write, companion: str) -> None:
    text = EXAMPLE.replace("kind: AgentDeployment\n", "kind: AgentDeployment\nkind: AgentDeployment\n", 1)
    path = write("dup.yaml", text)
    line = line_of(text, "kind: AgentDeployment") + 1
    code, report, _ = check(path, companion)
    assert code == 1
    assert by_file(report)["dup.yaml"] == {("CCA003", line, 1)}
    assert_companion_checked(report)


# ---- yes/no booleans and NO as a country ----------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "ON", "Off", "Y", "N"])
def test_yes_no_where_a_boolean_is_expected_is_cca004_and_counts_as_missing(word: str, write: Write,
                                                                            companion: str) -> None:
    text = replace_line(EXAMPLE, DPA_LINE, f"        dpa: {word}")
    path = write("yesno.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    got = by_file(report)["yesno.yaml"]
    # CCA004 at the value, and the setting counts as missing: the control that needs it fires
    assert got == {("CCA004", DPA_LINE, 9), ("CCA402", DPA_LINE, 9)}
    assert not any(f["id"] == "CCA002" for f in findings_of(report, "yesno.yaml"))
    assert_companion_checked(report)


def test_flow_style_yes_no_is_cca004_without_cca002(write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "adminAccess:")
    text = replace_line(replace_line(EXAMPLE, line + 1, ""), line, "  adminAccess: {mfa: on}")
    path = write("yesno.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    column = len("  adminAccess: {") + 1
    # CCA004 at the key (as in block style), and `mfa` counts as missing: the control that needs
    # it (CCA802) fires at the same place; no CCA002 (a type error) on top
    assert by_file(report)["yesno.yaml"] == {("CCA004", line, column), ("CCA802", line, column)}
    assert_companion_checked(report)


def test_norway_stays_a_string_and_gdpr_applies(write: Write, companion: str) -> None:
    subjects = line_of(COMPANION, "dataSubjects:")
    norway = replace_line(COMPANION, subjects, "  dataSubjects: [NO]")
    path = write("norway.yaml", norway)
    code, report, _ = check(path, companion)
    assert code == 1
    got = by_file(report)["norway.yaml"]
    # no finding about NO itself (no CCA004, no CCA002 for a boolean among the countries)
    assert not any(line == subjects for _, line, _ in got), got
    # GDPR applies because NO (Norway) is in the EEA: its processor-without-dpa fires
    assert ("CCA402", DPA_LINE, 9) in got
    assert_companion_checked(report)


def test_norway_block_list_and_quoted(write: Write) -> None:
    subjects = line_of(COMPANION, "dataSubjects:")
    text = replace_line(COMPANION, subjects, "  dataSubjects:\n    - NO\n    - 'SE'\n    - US")
    code, report, _ = check(write("norway.yaml", text))
    assert code == 1
    # only the companion's CCA402 (three lines further down): nothing about NO, 'SE' or US
    assert by_file(report) == {"norway.yaml": {("CCA402", DPA_LINE + 3, 9)}}
    assert manifests_by_file(report) == {"norway.yaml": 1}


def test_gdpr_off_without_norway(write: Write) -> None:
    """The contrast for the Norway case: with US callers only, CCA402 (GDPR only) does not fire."""
    subjects = line_of(COMPANION, "dataSubjects:")
    text = replace_line(COMPANION, subjects, "  dataSubjects: [US]")
    code, report, _ = check(write("us.yaml", text))
    # the manifest was read (one manifest) and the run is clean: the dpa: false is not a finding
    assert (code, report["findings"], manifests_by_file(report)) == (0, [], {"us.yaml": 1})


# ---- values of the wrong type inside lists ---------------------------------------------------


@pytest.mark.parametrize("item", ["null", "1", "true", "{a: b}", "[contact]", "~"])
def test_wrong_type_in_spec_data_categories_is_cca002_not_a_crash(item: str, write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "  dataCategories: [contact, account, payment_card, phi]")
    text = replace_line(EXAMPLE, line, f"  dataCategories: [{item}, account, payment_card, phi]")
    path = write("wrongtype.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    # one type error, at the item (a flow mapping starts at its first key, one column further)
    column = len("  dataCategories: [") + 1 + item.startswith("{")
    assert {f for f in by_file(report)["wrongtype.yaml"] if f[0] == "CCA002"} == {("CCA002", line, column)}
    assert_companion_checked(report)


@pytest.mark.parametrize("item", ["null", "1", "true", "{a: b}"])
def test_wrong_type_in_a_tool_data_categories_is_cca002_not_a_crash(item: str, write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "      dataCategories: [account]")
    text = replace_line(EXAMPLE, line, f"      dataCategories: [{item}]")
    path = write("wrongtype.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    column = len("      dataCategories: [") + 1 + item.startswith("{")
    assert by_file(report)["wrongtype.yaml"] == {("CCA002", line, column)}
    assert_companion_checked(report)


# ---- tags -----------------------------------------------------------------------------------

TAGS = [
    '!!python/object/apply:os.system ["touch pwned"]',
    "!!python/object/apply:os.system\n    args: [touch pwned]",
    '!!python/object/new:subprocess.check_output [["touch", "pwned"]]',
    "!!python/name:os.system",
    "!!binary aGVsbG8gd29ybGQ=",
    "!custom handles billing",
    "!<tag:example.com,2026:thing> text",
]


@pytest.mark.parametrize("tagged", TAGS)
def test_tags_are_cca001_and_never_constructed(tagged: str, write: Write, companion: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = line_of(EXAMPLE, "description: Handles billing")
    text = replace_line(EXAMPLE, line, f"  description: {tagged}")
    path = write("tagged.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    assert by_file(report)["tagged.yaml"] == {("CCA001", line, len("  description: ") + 1)}
    assert_companion_checked(report)
    assert not (tmp_path / "pwned").exists()
    assert not (ROOT / "pwned").exists()


def test_python_tag_on_a_whole_document(write: Write, companion: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "--- !!python/object/apply:os.system\n" + "\n".join(
        line for line in EXAMPLE.splitlines() if not line.startswith("#")) + "\n"
    path = write("tagged.yaml", text)
    code, report, _ = check(path, companion)
    assert code == 1
    assert ids_lines_of(report, "tagged.yaml") == {("CCA001", 1)}
    assert_companion_checked(report)
    assert not (tmp_path / "pwned").exists()


# ---- aliases and merge keys -----------------------------------------------------------------

ALIASED = """\
apiVersion: ccaudit/v1
kind: AgentDeployment
metadata:
  name: aliased-agent
  owner: cx-platform
spec:
  organization:
    hipaaRole: business_associate
    ccpaBusiness: true
    euEstablishment: false
  dataSubjects: [EU, US-CA, US]
  regulations: []
  channels: [voice, chat]
  dataCategories: &pd [contact, account, payment_card, phi]
  vendors:
    - &llm
      name: acme-llm
      purpose: language model
      role: processor
      regions: [aws:eu-west-1]
      receives: [contact, account, phi]
      agreements: &agreements
        dpa: true
        baa: true
        ccpaTerms: true
        transferMechanism: scc
      trainingOnCustomerData: false
      retentionDays: 0
      breachNoticeHours: 24
      certifications: [soc2_type2, iso27001]
    - <<: *llm
      name: siem-vendor
      purpose: audit log sink
      regions: [aws:eu-central-1]
      receives: [contact, account]
      agreements:
        <<: *agreements
        dpa: false
      retentionDays: 2192
  models:
    - name: primary
      vendor: acme-llm
      model: acme-large-2026
  tools:
    - &tool
      name: crm.lookup_customer
      description: Look up the caller's contact and order summary.
      access: read
      actions: []
      scopes: [crm:contacts:read]
      fields: [name, email, lastOrderId]
      dataCategories: [contact, account]
      approval: never
      requiresVerifiedCustomer: true
      maxRecordsPerCall: 1
      auth: &auth
        type: oauth2
        credential: short_lived
        onBehalfOfCustomer: true
    - <<: *tool
      name: billing.issue_refund
      description: Refund an order up to its paid amount.
      access: write
      actions: [refund]
      scopes: [billing:refunds:write]
      fields: [orderId, amount]
      dataCategories: [account]
      approval: conditional
      approvalCondition: "amount > 50"
      auth: {<<: *auth, type: mtls}
    - <<: [*tool]
      name: ehr.read_claim_status
      description: Read the status of the caller's open insurance claim.
      scopes: [ehr:claims:read]
      fields: [claimId, status, lastUpdated]
      dataCategories: [phi]
      auth: {<<: *auth, type: iam}
  authentication:
    customerVerification: otp
    stepUpFor: [phi, payment_card]
  retention:
    transcriptsDays: &month 30
    recordingsDays: *month
    auditLogsDays: 2192
    auditLogsHotDays: 90
    legalHold: true
  logging:
    toolCalls: &on true
    routingDecisions: *on
    escalations: *on
    approvals: *on
    guardrailEvents: *on
    reasoning: redacted
    immutable: *on
    pseudonymized: *on
    redaction: *pd
    sinks: [siem-vendor]
    reviewIntervalDays: 1
  guardrails:
    promptInjection: true
    outputFilter: [contact, payment_card, phi]
    confidenceThreshold: 0.8
    lowConfidenceAction: escalate_to_human
    aiDisclosure: true
  humanOversight:
    handoffAvailable: true
    reviewSampleRate: 0.05
  automatedDecisions:
    - name: refund-eligibility
      significant: false
      humanReview: true
  monitoring:
    anomalyAlerts: true
    driftDetection: true
    redTeamingIntervalDays: 90
  incidentResponse:
    authorityNotificationHours: 72
    individualNotificationDays: *month
  dataSubjectRights:
    responseDays: *month
    deletionPropagatesToVendors: true
    optOutOfSaleSharing: true
    honorsGlobalPrivacyControl: true
  governance:
    dpia: docs/dpia-billing-agent.pdf
    recordOfProcessing: docs/ropa.xlsx
  residency:
    allowedRegions: [aws:eu-west-1, aws:eu-central-1]
  payments:
    captureMode: dtmf_masking
  adminAccess:
    mfa: true
"""


def test_aliases_and_merge_keys_are_expanded_and_findings_point_at_the_right_line(write: Write, companion: str) -> None:
    path = write("aliased.yaml", ALIASED)
    code, report, _ = check(path, companion)
    assert code == 1
    got = findings_of(report, "aliased.yaml")
    dpa = line_of(ALIASED, "dpa: false")
    # expanded: the merged vendors, tools and aliased values are complete, so the only finding
    # is the overridden dpa of the second vendor, at its own line
    assert [(f["id"], f["line"], f["column"], f["path"]) for f in got] == [
        ("CCA402", dpa, 9, "spec.vendors[1].agreements.dpa")]
    assert_companion_checked(report)


def test_aliases_expand_to_the_same_findings_as_the_plain_text(write: Write) -> None:
    plain = EXAMPLE.replace("dpa: true", "dpa: false", 2).replace("dpa: false", "dpa: true", 1)
    plain_code, expected, _ = check(write("plain.yaml", plain))
    code, report, _ = check(write("aliased.yaml", ALIASED))
    strip = [(f["id"], f["path"], f["severity"]) for f in expected["findings"]]
    assert strip == [("CCA402", "spec.vendors[1].agreements.dpa", "high")]  # the comparison is not of two empty lists
    assert [(f["id"], f["path"], f["severity"]) for f in report["findings"]] == strip
    assert (code, plain_code) == (1, 1)


def test_merged_value_without_override_points_into_the_manifest(write: Write) -> None:
    text = ALIASED.replace("        <<: *agreements\n        dpa: false\n", "        <<: *agreements\n")
    text = text.replace("        dpa: true\n", "        dpa: false\n", 1)  # the anchored mapping itself
    code, report, _ = check(write("aliased.yaml", text))
    assert code == 1
    dpa = line_of(text, "dpa: false")
    got = {(f["id"], f["path"]) for f in report["findings"]}
    assert got == {("CCA402", "spec.vendors[0].agreements.dpa"), ("CCA402", "spec.vendors[1].agreements.dpa")}
    last = len(text.splitlines())
    for f in report["findings"]:
        assert 1 <= f["line"] <= last
    assert ("CCA402", dpa) in {(f["id"], f["line"]) for f in report["findings"]}


# ---- resource limits (subprocess, with timeouts) --------------------------------------------


def _alias_bomb(levels: int = 9, fanout: int = 9) -> str:
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"    {names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * fanout) + "]"]
    for prev, name in pairwise(names):
        lines.append(f"    {name}: &{name} [" + ", ".join([f"*{prev}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int = 10, fanout: int = 9) -> str:
    """The alias bomb through merge keys: each level merges the previous mapping 9 times."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"    {names[0]}: &{names[0]} {{k: v}}"]
    for prev, name in pairwise(names):
        lines.append(f"    {name}: &{name} {{<<: [" + ", ".join([f"*{prev}"] * fanout) + "]}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("bomb, levels", [(_alias_bomb, 9), (_merge_bomb, 10)], ids=["aliases", "merge-keys"])
def test_expansion_bomb_is_cca001(bomb: Any, levels: int, write: Write, companion: str) -> None:
    head = HEAD + "metadata:\n  name: bomb\n  owner: cx\n  labels:\n"
    first = head.count("\n") + 1
    path = write("bomb.yaml", head + bomb() + "spec:\n  dataCategories: [contact]\n")
    code, report = check_sub(path, companion, timeout=60)
    assert code == 1
    got = findings_of(report, "bomb.yaml")
    assert [f["id"] for f in got] == ["CCA001"]
    assert first <= got[0]["line"] <= first + levels - 1
    assert_companion_checked(report)


@pytest.mark.parametrize("value", ["&a [*a]", "&a {x: *a}", "&a {<<: *a}", "&a {<<: [*a]}"])
def test_recursive_alias_is_cca001(value: str, write: Write, companion: str) -> None:
    text = (HEAD + "metadata:\n  name: loop\n  owner: cx\n  labels:\n    a: " + value
            + "\nspec:\n  dataCategories: [contact]\n")
    path = write("recursive.yaml", text)
    code, report = check_sub(path, companion, timeout=30)
    assert code == 1
    got = findings_of(report, "recursive.yaml")
    assert [(f["id"], f["line"]) for f in got] == [("CCA001", 7)]
    assert_companion_checked(report)


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deep_nesting_is_cca001(depth: int, write: Write, companion: str) -> None:
    line = line_of(EXAMPLE, "description: Handles billing")
    text = replace_line(EXAMPLE, line, "  description: " + "[" * depth + "]" * depth)
    path = write("deep.yaml", text)
    code, report = check_sub(path, companion, timeout=120)
    assert code == 1
    got = findings_of(report, "deep.yaml")
    assert [(f["id"], f["line"]) for f in got] == [("CCA001", line)]
    assert "nest" in got[0]["message"].lower() or "deep" in got[0]["message"].lower()
    assert_companion_checked(report)


def _block_nesting(depth: int) -> tuple[str, int]:
    """Block style, each level one more space of indentation; the text and its first nested line."""
    body = "".join(" " * (i + 1) + f"k{i}:\n" for i in range(depth)) + " " * (depth + 1) + "leaf: 1\n"
    head = HEAD + "metadata:\n  name: deep\n  owner: cx\nspec:\n dataCategories: [contact]\nx:\n"
    return head + body, head.count("\n") + 1


def test_deep_block_nesting_is_cca001_where_the_limit_is_passed(write: Write, companion: str) -> None:
    text, first = _block_nesting(150)
    code, report = check_sub(write("deep.yaml", text), companion, timeout=120)
    assert code == 1
    got = findings_of(report, "deep.yaml")
    assert [f["id"] for f in got] == ["CCA001"]
    limit = int(got[0]["message"].split("deeper than ")[1].split()[0])  # "nesting deeper than N levels"
    assert limit < 150
    # `x:` is level 1, each `kI:` one more: the mapping that passes the limit is the one under k{limit-1}
    assert (got[0]["line"], got[0]["column"]) == (first + limit, limit + 2)
    assert_companion_checked(report)


def test_very_deep_block_nesting_is_cca001_inside_the_nesting(write: Write, companion: str) -> None:
    text, first = _block_nesting(1_000)  # libyaml's scanner stops first: its own limit, at its own line
    code, report = check_sub(write("deep.yaml", text), companion, timeout=120)
    assert code == 1
    got = findings_of(report, "deep.yaml")
    assert [f["id"] for f in got] == ["CCA001"]
    assert first <= got[0]["line"] <= first + 1_000
    assert "nest" in got[0]["message"].lower()
    assert_companion_checked(report)


def test_50_mib_file_is_cca001_at_1_1_about_the_size_limit(tmp_path: Path, companion: str) -> None:
    big = tmp_path / "big.yaml"
    chunk = ("# " + "x" * 1021 + "\n").encode()  # 1 KiB
    with big.open("wb") as handle:
        handle.write(EXAMPLE.encode())
        for _ in range(50 * 1024):
            handle.write(chunk)
    assert big.stat().st_size >= 50 * 1024 * 1024
    code, report = check_sub(str(big), companion, timeout=120)
    assert code == 1
    got = findings_of(report, "big.yaml")
    assert [(f["id"], f["line"], f["column"]) for f in got] == [("CCA001", 1, 1)]
    message = got[0]["message"].lower()
    assert "limit" in message or "large" in message or "size" in message, message
    assert_companion_checked(report)


# ---- file system trouble --------------------------------------------------------------------


def test_directory_loop_through_symlinks(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    (top / "sub").mkdir(parents=True)
    (top / COMPANION_NAME).write_text(COMPANION, encoding="utf-8")
    (top / "sub" / "other.yaml").write_text(COMPANION, encoding="utf-8")
    os.symlink("..", top / "sub" / "up")  # a folder containing a link to its parent
    code, report = check_sub(str(top), timeout=60)
    assert code == 1
    loops = [f for f in report["findings"] if f["file"].endswith("sub/up")]
    assert [(f["id"], f["line"], f["column"]) for f in loops] == [("CCA001", 1, 1)]
    assert_companion_checked(report)
    assert by_file(report).get("other.yaml") == COMPANION_FINDINGS
    # each real file checked once
    assert sorted(Path(f["file"]).name for f in report["files"] if f["manifests"]) == [COMPANION_NAME,
                                                                                       "other.yaml"]


def test_directory_loop_to_itself(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    (top / COMPANION_NAME).write_text(COMPANION, encoding="utf-8")
    os.symlink(".", top / "self")
    code, report = check_sub(str(top), timeout=60)
    assert code == 1
    assert ids_lines_of(report, "self") == {("CCA001", 1)}
    assert_companion_checked(report)


def test_dangling_symlink_in_a_checked_folder_is_cca001_at_1_1(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    (top / COMPANION_NAME).write_text(COMPANION, encoding="utf-8")
    os.symlink(tmp_path / "missing.yaml", top / "bad.yaml")
    code, report, _ = check(str(top))
    assert code == 1
    assert by_file(report)["bad.yaml"] == {("CCA001", 1, 1)}
    assert_companion_checked(report)


def test_permission_denied_is_cca001_at_1_1_and_the_run_goes_on(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    (top / COMPANION_NAME).write_text(COMPANION, encoding="utf-8")
    locked = top / "locked.yaml"
    locked.write_text(COMPANION, encoding="utf-8")
    real_open = builtins.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(file)) == str(locked):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    for args in ((str(top),), (str(locked), str(top / COMPANION_NAME))):
        code, report, _ = check(*args)
        assert code == 1
        assert by_file(report)["locked.yaml"] == {("CCA001", 1, 1)}
        assert_companion_checked(report)
        assert "ermission" in findings_of(report, "locked.yaml")[0]["message"]


# ---- the two cases that stop the run --------------------------------------------------------


def assert_one_line_error(result: Result) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    no_traceback(result.stdout, result.stderr)
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ccaudit: error:"), lines[0]
    assert result.stdout == ""  # the run stopped: no report


def test_path_that_does_not_exist_stops_the_run(tmp_path: Path, companion: str) -> None:
    for args in ((str(tmp_path / "nope.yaml"),), (companion, str(tmp_path / "nope.yaml")),
                 (str(tmp_path / "nope.yaml"), companion)):
        result = run_cli("check", "-f", "json", *args)
        assert_one_line_error(result)
        assert "nope.yaml" in result.stderr


BROKEN_RULESETS: dict[str, str | bytes] = {
    "bad-yaml": "apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\nrequirements: [\n",
    "tab": "apiVersion: ccaudit/v1\nkind: Ruleset\n\tid: mine\n",
    "not-a-mapping": "- just\n- a list\n",
    "empty": "",
    "missing-requirements": ("apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\ntitle: Mine\n"
                             "appliesWhen: {always: true}\n"),
    "requirements-not-a-list": ("apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\ntitle: Mine\n"
                                "appliesWhen: {always: true}\nrequirements: nope\n"),
    "unknown-control": ("apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\ntitle: Mine\n"
                        "appliesWhen: {always: true}\nrequirements:\n  - control: CCA999\n"
                        "    citations: [{ref: Art. 1}]\n"),
    "unknown-key": ("apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\ntitle: Mine\n"
                    "appliesWhen: {always: true}\nrequirements: []\nbogus: 1\n"),
    "python-tag": ("apiVersion: ccaudit/v1\nkind: Ruleset\nid: !!python/object/apply:os.system [touch pwned]\n"
                   "title: Mine\nappliesWhen: {always: true}\nrequirements: []\n"),
    "invalid-utf8": b"apiVersion: ccaudit/v1\nkind: Ruleset\nid: caf\xe9\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN_RULESETS))
def test_broken_ruleset_stops_the_run(case: str, write: Write, companion: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ruleset = write("my-ruleset.yaml", BROKEN_RULESETS[case])
    result = run_cli("check", "-f", "json", "--ruleset", ruleset, companion)
    assert_one_line_error(result)
    assert "my-ruleset.yaml" in result.stderr
    assert not (tmp_path / "pwned").exists()


def test_a_valid_ruleset_file_is_accepted(write: Write, companion: str) -> None:
    """The contrast for the broken rulesets: the same file, well formed, runs."""
    ruleset = write("my-ruleset.yaml", "apiVersion: ccaudit/v1\nkind: Ruleset\nid: mine\ntitle: Mine\n"
                                       "appliesWhen: {always: true}\nrequirements: []\n")
    result = run_cli("check", "-f", "json", "--ruleset", ruleset, companion)
    assert result.exit_code == 1, result.stderr
    assert_companion_checked(_report(result.stdout))


# ---- several bad inputs in one run ----------------------------------------------------------


def test_every_bad_input_in_one_run(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    (top / "loop").mkdir(parents=True)
    os.symlink("..", top / "loop" / "up")
    os.symlink(tmp_path / "missing.yaml", top / "dangling.yaml")
    (top / COMPANION_NAME).write_text(COMPANION, encoding="utf-8")
    files: dict[str, str | bytes] = {
        "syntax.yaml": SYNTAX_ERRORS["tab-indent"][0],
        "latin1.yaml": b"apiVersion: ccaudit/v1\nkind: AgentDeployment\n# caf\xe9\n",
        "utf16.yaml": codecs.BOM_UTF16_LE + COMPANION.encode("utf-16-le"),
        "empty.yaml": "",
        "comments.yaml": "# only a comment\n",
        "list.yaml": "- apiVersion: ccaudit/v1\n  kind: AgentDeployment\n",
        "dup.yaml": insert_after(EXAMPLE, DPA_LINE, "        dpa: false"),
        "tag.yaml": HEAD + "metadata: !!python/object/apply:os.system [touch pwned]\n",
        "bomb.yaml": HEAD + "metadata:\n  labels:\n" + _alias_bomb() + "spec: {}\n",
        "deep.yaml": HEAD + "spec: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "helm.yaml": "{{ if .Values.x }}\nfoo: [\n",
    }
    for name, content in files.items():
        path = top / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, report = check_sub(str(top), cwd=str(tmp_path), timeout=120)
    assert code == 1
    got = {name: {(fid, line) for fid, line, _ in found} for name, found in by_file(report).items()}
    assert got[COMPANION_NAME] == {("CCA402", DPA_LINE)}
    assert got["utf16.yaml"] == {("CCA402", DPA_LINE)}
    assert got["dup.yaml"] == {("CCA003", DPA_LINE + 1), ("CCA402", DPA_LINE + 1)}
    located = {"syntax.yaml": SYNTAX_ERRORS["tab-indent"][1], "latin1.yaml": 3, "tag.yaml": 3, "deep.yaml": 3,
               "dangling.yaml": 1, "up": 1}
    for name, line in located.items():
        assert got[name] == {("CCA001", line)}, name
    assert [fid for fid, _ in got["bomb.yaml"]] == ["CCA001"]
    assert 4 <= next(iter(got["bomb.yaml"]))[1] <= 4 + 8  # within the bomb's nine lines
    assert got["list.yaml"] == {("CCA002", 1)}
    for name in ("empty.yaml", "comments.yaml", "helm.yaml"):  # read, and nothing in them to check
        assert_seen_without_manifests(report, name)
    assert set(got) == set(located) | {COMPANION_NAME, "utf16.yaml", "dup.yaml", "bomb.yaml", "list.yaml"}
    assert not (tmp_path / "pwned").exists()


# ---- property-based: mutations of the valid example never crash ----------------------------

BASE = yaml.safe_load(EXAMPLE)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.sampled_from(["yes", "no", "NO", "on", "off", "~", "1:30", "2026-01-01", "-1", "indefinite",
                                     "0x1F", ".inf", "*", "&", "!!str", "apiVersion: ccaudit/v1"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def other_type_than(old: Any) -> Callable[[Any], bool]:
    return lambda value: type(value) is not type(old)


@st.composite
def mutations(draw: st.DrawFn) -> str:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "replace", "insert", "garbage"]))
        nodes = _paths(data)
        if kind == "delete":
            keyed = [(p, v) for p, v in nodes if p and isinstance(_get(data, p[:-1]), dict)]
            if keyed:
                path, _ = draw(st.sampled_from(keyed))
                del _get(data, path[:-1])[path[-1]]
        elif kind == "replace":
            leaves = [(p, v) for p, v in nodes if p and not isinstance(v, (dict, list))]
            if leaves:
                path, old = draw(st.sampled_from(leaves))
                new = draw(values.filter(other_type_than(old)))
                _get(data, path[:-1])[path[-1]] = new
        elif kind == "insert":
            mappings = [p for p, v in nodes if isinstance(v, dict)]
            path = draw(st.sampled_from(mappings))
            _get(data, path)[draw(st.text(min_size=1, max_size=12))] = draw(values)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=80)
    if draw(st.booleans()):
        garbage = draw(st.text(max_size=30))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + garbage + text[at:]
    return text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutations())
def test_mutations_never_crash_and_output_is_stable(text: str) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mutated.yaml")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        first = run_cli("check", "-f", "json", path)
        second = run_cli("check", "-f", "json", path)
    assert first.exit_code in (0, 1), (first.exit_code, first.stderr)
    no_traceback(first.stdout, first.stderr)
    report = json.loads(first.stdout)
    assert set(report) >= REPORT_KEYS
    errors = sorted(Draft202012Validator(schema).iter_errors(report), key=lambda e: list(e.path))
    assert not errors, errors[0].message
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)
    assert (first.exit_code == 1) == bool(report["summary"]["findings"])
