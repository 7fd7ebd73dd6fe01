"""Authoring (issue 11): `ccaudit fix` (only tighter, never a fact, layout kept, idempotent),
`ccaudit init` (a commented starter that passes) and `ccaudit schema`."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccaudit.authoring.fix import FileFix, fix_run
from ccaudit.authoring.guard import fact
from ccaudit.pipeline import RunConfig
from ccaudit.resources import schema_file
from ccaudit.rulesets import catalog
from tests.conftest import EXAMPLES, FIXTURES, check_json, run_cli
from tests.unit.test_docs_examples import _example_text

CONTROL_IDS = sorted(catalog())


def fix_file(path: str | Path, **config: Any) -> FileFix:
    (fixed,) = fix_run(RunConfig((str(path),), assume_all=True, **config))
    return fixed


def leaves(value: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(value, dict):
        return {k: v for key, sub in value.items() for k, v in leaves(sub, (*path, key)).items()} or {path: {}}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return {k: v for i, sub in enumerate(value) for k, v in leaves(sub, (*path, i)).items()}
    return {path: value}


def documents(data: bytes) -> list[Any]:
    return list(yaml.safe_load_all(data.decode("utf-8-sig")))


def facts_of(data: bytes) -> dict[tuple[Any, ...], Any]:
    return {(n, *p): v for n, doc in enumerate(documents(data)) for p, v in leaves(doc).items() if fact(p)}


def assert_fixed_and_checked(fixed: FileFix, tmp_path: Path) -> None:
    """Fixed findings gone, none added, facts untouched, and a second fix changes nothing."""
    after = Path(fixed.path)  # the same file: fingerprints hold its path
    after.write_bytes(fixed.new or fixed.old)
    _, report = check_json("--assume-all", str(after))
    now = {f["fingerprint"] for f in report["findings"]}
    before = {f.fingerprint for f in fixed.before.findings}
    assert not now & {f.fingerprint for f in fixed.fixed}
    assert now <= before, [f["message"] for f in report["findings"] if f["fingerprint"] not in before]
    if fixed.new is not None:
        assert facts_of(fixed.new) == facts_of(fixed.old)
    again = fix_file(after)
    assert not again.changed and not again.fixed


# ---- every control's failing example, and its fixtures ---------------------------------------


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_failing_example_fixed_then_checked(control_id: str, tmp_path: Path) -> None:
    path = tmp_path / f"{control_id}.yaml"
    path.write_text(_example_text(control_id, "failing"), encoding="utf-8")
    fixed = fix_file(path)
    fixable = [f for f in fixed.before.findings if f.id == control_id and f.fix and f.suppressed is None]
    if fixable and not fixed.untouched:
        assert {f.fingerprint for f in fixable} - {f.fingerprint for f in fixed.remaining} or \
            all(fact(f.fix.path) for f in fixable if f.fix)
    assert_fixed_and_checked(fixed, tmp_path)


def test_most_controls_offer_a_fix_and_facts_never_do(tmp_path: Path) -> None:
    fixing, facts = set(), set()
    for control_id in CONTROL_IDS:
        path = tmp_path / f"{control_id}.yaml"
        path.write_text(_example_text(control_id, "failing"), encoding="utf-8")
        fixed = fix_file(path)
        fixing |= {f.id for f in fixed.fixed}
        facts |= {f.id for f in fixed.fixed if f.fix and fact(f.fix.path)}
    assert not facts
    assert {"CCA102", "CCA106", "CCA201", "CCA205", "CCA206", "CCA502", "CCA503", "CCA601",
            "CCA901"} <= fixing
    assert not fixing & {"CCA101", "CCA103", "CCA104", "CCA105", "CCA303", "CCA304", "CCA401", "CCA402",
                         "CCA405", "CCA701", "CCA702", "CCA802", "CCA803"}


FIXTURE_FILES = sorted(p.name for p in (FIXTURES / "controls").glob("CCA*.yaml"))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_control_fixtures_fixed_then_checked(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    shutil.copy(FIXTURES / "controls" / name, path)
    fixed = fix_file(path)
    if any(f.id in ("CCA001", "CCA003") for f in fixed.before.findings):
        assert fixed.new is None
    assert_fixed_and_checked(fixed, tmp_path)


# ---- never looser, never a fact: random manifests -----------------------------------------

BASE = yaml.safe_load((EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8"))
MINIMUMS = {"auditLogsDays", "auditLogsHotDays"}
VERIFICATION = ["none", "knowledge", "voice_biometric", "otp", "mfa"]
DURATIONS = st.one_of(st.integers(0, 5000), st.sampled_from(["indefinite", -1]))
CHANGES = {
    ("logging", "toolCalls"): st.booleans(), ("logging", "immutable"): st.booleans(),
    ("logging", "reasoning"): st.sampled_from(["none", "redacted", "full"]),
    ("logging", "redaction"): st.lists(st.sampled_from(["contact", "account", "phi", "payment_card"]), unique=True),
    ("logging", "reviewIntervalDays"): DURATIONS, ("retention", "auditLogsDays"): DURATIONS,
    ("retention", "transcriptsDays"): DURATIONS, ("retention", "recordingsDays"): DURATIONS,
    ("authentication", "customerVerification"): st.sampled_from(VERIFICATION),
    ("guardrails", "lowConfidenceAction"): st.sampled_from(["proceed", "escalate_to_human", "refuse"]),
    ("incidentResponse", "authorityNotificationHours"): st.integers(1, 500),
    ("dataSubjectRights", "responseDays"): st.integers(1, 90),
    ("adminAccess", "mfa"): st.booleans(), ("monitoring", "driftDetection"): st.booleans(),
}
VENDOR = {"trainingOnCustomerData": st.booleans(), "retentionDays": DURATIONS, "breachNoticeHours": st.integers(1, 999)}


def _rank(path: tuple[Any, ...], value: Any) -> float:
    """Strictness of a value at ``path`` (higher is stricter)."""
    if value is None:
        return -float("inf")
    if value in ("indefinite", -1):
        return float("inf") if path[-1] in MINIMUMS else -1e9
    if path[-1] == "customerVerification":
        return VERIFICATION.index(value)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return value if path[-1] in MINIMUMS else -value
    return {"none": 0, "full": 0, "proceed": 0, "redacted": 1, "escalate_to_human": 1}.get(value, 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({k: st.one_of(st.none(), v) for k, v in CHANGES.items()}),
       st.fixed_dictionaries({k: st.one_of(st.none(), v) for k, v in VENDOR.items()}))
def test_random_manifests_are_only_tightened(tmp_path: Path, changes: dict[Any, Any], vendor: dict[str, Any]) -> None:
    manifest = json.loads(json.dumps(BASE))
    for (section, key), value in changes.items():
        target = manifest["spec"].setdefault(section, {})
        target.pop(key, None) if value is None else target.__setitem__(key, value)
    first_vendor = manifest["spec"]["vendors"][0]
    for key, value in vendor.items():
        first_vendor.pop(key, None) if value is None else first_vendor.__setitem__(key, value)
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    fixed = fix_file(path)
    if fixed.new is None:
        return
    old, new = leaves(documents(fixed.old)[0]), leaves(documents(fixed.new)[0])
    for leaf in set(old) | set(new):
        if old.get(leaf) == new.get(leaf):
            continue
        assert not fact(leaf), leaf
        if isinstance(new.get(leaf), list):
            assert set(old.get(leaf) or []) <= set(new[leaf]), leaf
        else:
            assert _rank(leaf, new.get(leaf)) > _rank(leaf, old.get(leaf)), (leaf, old.get(leaf), new.get(leaf))
    assert_fixed_and_checked(fixed, tmp_path)


# ---- layout kept -----------------------------------------------------------------------------

COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def comments(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := COMMENT.search(line))]


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(c == b for b in it) for c in small)


def commented_everywhere() -> str:
    lines = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines):
        out.append(f"# above {n}")
        out.append(line if line.lstrip().startswith("#") or not line.strip() else f"{line}  # line {n}")
    return "\n".join(out) + "\n# the end\n"


@pytest.mark.parametrize("name", ["claims-chat-agent.yaml", "billing-voice-agent.yaml", "every-line"])
def test_every_comment_is_kept_in_order(name: str, tmp_path: Path) -> None:
    text = commented_everywhere() if name == "every-line" else (EXAMPLES / name).read_text(encoding="utf-8")
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    fixed = fix_file(path)
    assert fixed.changed or name == "billing-voice-agent.yaml"
    out = (fixed.new or path.read_bytes()).decode("utf-8")
    assert is_subsequence(comments(text), comments(out)) and len(comments(out)) == len(comments(text))


def test_the_diff_holds_only_changed_and_inserted_lines(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    shutil.copy(EXAMPLES / "claims-chat-agent.yaml", path)
    fixed = fix_file(path)
    old, new = fixed.old.decode().splitlines(), (fixed.new or b"").decode().splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):  # a changed value: same key, same indentation, one line each
            assert i2 - i1 <= j2 - j1
            for a, b in zip(old[i1:i2], new[j1:j2], strict=False):
                assert a.split(":")[0] == b.split(":")[0], (a, b)


LAYOUT = """\
# a ConfigMap first, then the manifest
apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data: {"key": 'value'}
---
apiVersion: "ccaudit/v1"   # quoted
kind: AgentDeployment
metadata:
    name: layout
    owner: 'team'

spec:
    dataSubjects: [EU]
    dataCategories: [contact]
    channels: [chat]
    logging: {toolCalls: false, redaction: [contact]}   # a flow map
    retention:
        transcriptsDays: 30
        auditLogsDays: 30      # too short

    # the guardrails
    guardrails:
        promptInjection: true
...
"""


def test_layout_markers_quoting_flow_and_other_documents_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text(LAYOUT, encoding="utf-8")
    fixed = fix_file(path)
    out = (fixed.new or b"").decode()
    assert out.startswith(LAYOUT[:LAYOUT.index("---")]) and out.rstrip().endswith("...")
    assert 'apiVersion: "ccaudit/v1"   # quoted' in out and "owner: 'team'" in out
    assert re.search(r"logging: \{toolCalls: true, redaction: \[contact.*\}\s+# a flow map", out)
    assert "        auditLogsDays: 2192    # too short\n" in out
    assert "\n\n    # the guardrails\n    guardrails:\n        promptInjection: true\n" in out


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_crlf_and_bom_are_kept(bom: bytes, tmp_path: Path) -> None:
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    lf, crlf = tmp_path / "lf.yaml", tmp_path / "crlf.yaml"
    lf.write_text(text, encoding="utf-8")
    crlf.write_bytes(bom + text.replace("\n", "\r\n").encode())
    plain, windows = fix_file(lf), fix_file(crlf)
    assert windows.new is not None and windows.new.startswith(bom)
    assert windows.new.count(b"\n") == windows.new.count(b"\r\n")
    assert windows.new[len(bom):].replace(b"\r\n", b"\n") == plain.new


@pytest.mark.parametrize("broken", ["spec:\n  logging:\n    immutable: false\n  logging: {}\n", "spec: [unclosed\n"])
def test_a_file_that_does_not_parse_or_has_a_duplicate_key_is_not_touched(broken: str, write: Any) -> None:
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8") + "---\n" + \
        (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8").split("spec:")[0] + broken
    path = write("broken.yaml", text)
    result = run_cli("fix", "--assume-all", path)
    assert result.exit_code == 1 and Path(path).read_text(encoding="utf-8") == text
    assert "left alone" in result.output and re.search(r"CCA00[13] \[", result.output)


# ---- the command ------------------------------------------------------------------------------


def test_fix_in_place_then_nothing_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    shutil.copy(EXAMPLES / "claims-chat-agent.yaml", path)
    original = path.read_bytes()
    dry = run_cli("fix", "--diff", str(path))
    assert dry.exit_code == 1 and path.read_bytes() == original
    assert "+    immutable: true" in dry.stdout and "-    immutable: false" in dry.stdout
    assert "would fix" in dry.stderr and "needs a person" in dry.stderr and "CCA401" in dry.stderr
    done = run_cli("fix", str(path))
    assert done.exit_code == 1 and "fixed " in done.stdout and "CCA204 mutable-audit-logs: 1" in done.stdout
    assert path.read_bytes() != original
    again = run_cli("fix", "--diff", str(path))
    assert again.exit_code == 0 and again.stdout == ""


def test_selection_and_suppressions_are_honoured(write: Any) -> None:
    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8").replace(
        "    immutable: false", "    immutable: false  # ccaudit: ignore[CCA204] reason=\"WORM store on its way\"")
    path = write("claims.yaml", text)
    result = run_cli("fix", "--select", "CCA2", "--ignore", "CCA205", path)
    out = Path(path).read_text(encoding="utf-8")
    assert "immutable: false  # ccaudit: ignore[CCA204]" in out and "auditLogsDays: 365" in out
    assert "toolCalls: true" in out and "reasoning: redacted" in out and "approval: never" in out
    assert "CCA205" not in result.stdout and "CCA102" not in result.stdout


def test_fix_is_not_for_standard_input() -> None:
    result = run_cli("fix", "-")
    assert result.exit_code == 2 and "standard input" in result.stderr


# ---- init -------------------------------------------------------------------------------------

SCOPES = {"eu": ("EU", "contact,account", "chat"), "us-ca": ("US-CA", "contact", "chat,voice"),
          "us-phi": ("US", "contact,phi", "voice"), "eu-ca-card": ("EU,US-CA", "contact,payment_card", "chat,voice"),
          "gb": ("GB", "contact", "email"), "none": ("", "contact", "chat")}


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_init_writes_a_commented_starter_that_passes(scope: str, tmp_path: Path) -> None:
    subjects, categories, channels = SCOPES[scope]
    path = tmp_path / "agent.yaml"
    result = run_cli("init", str(path), "--no-input", "--subjects", subjects, "--categories", categories,
                     "--channels", channels, "--name", "my-agent", "--owner", "cx")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    code, report = check_json(str(path))
    assert code == 0 and report["findings"] == []
    lines = text.split("\nspec:\n")[1].splitlines()
    for above, line in pairwise(lines):  # every setting under spec has its comment above it
        if re.match(r"^ {2,4}[a-zA-Z]+:", line):
            assert above.lstrip().startswith("#"), line


def test_init_carries_the_effective_values(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    run_cli("init", str(path), "--no-input", "--subjects", "EU,US", "--categories", "contact,phi",
            "--channels", "voice")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))["spec"]
    assert spec["retention"]["auditLogsDays"] == 2192 and spec["incidentResponse"]["authorityNotificationHours"] == 72
    assert "phi" in spec["logging"]["redaction"] and spec["logging"]["immutable"] is True
    assert "required by hipaa" in path.read_text(encoding="utf-8")


def test_init_never_overwrites_without_force(write: Any) -> None:
    path = write("agent.yaml", "keep me\n")
    assert run_cli("init", path, "--no-input").exit_code == 2
    assert Path(path).read_text(encoding="utf-8") == "keep me\n"
    assert run_cli("init", path, "--no-input", "--force").exit_code == 0


def test_schema_prints_the_manifest_schema_and_its_path() -> None:
    printed = run_cli("schema")
    schema = json.loads(schema_file("manifest.schema.json").read_text())
    assert printed.exit_code == 0 and json.loads(printed.stdout) == schema
    where = run_cli("schema", "--path").stdout.strip()
    assert Path(where).is_file() and Path(where) == schema_file("manifest.schema.json")
