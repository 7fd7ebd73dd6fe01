"""``ccaudit init``: a starter manifest built from the merged standard of its scope.

The starter begins as the scope alone (who, where, which channels and data); it is checked as
``check`` would, and each finding's own fix (the effective value of the merged standard) is
written, round after round, until nothing is reported. A setting no ruleset gives a value for
(a document reference, a confidence threshold, a bound nobody sets) gets a placeholder from
``PLACEHOLDERS`` that says so in its comment. Each setting is commented with what it means (the
manifest schema's description) and which rulesets require it.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from typing import Any, NamedTuple

from ccaudit.authoring.guard import fact
from ccaudit.errors import Stop
from ccaudit.loader import load_bytes
from ccaudit.model import Finding, Path
from ccaudit.pipeline import RunConfig, check_loaded
from ccaudit.resources import schema_file

ROUNDS = 6
# Settings the law leaves to the team (no effective value to write): a placeholder to review.
PLACEHOLDERS: Mapping[str, Any] = {
    "spec.governance.dpia": "docs/dpia.md",
    "spec.governance.recordOfProcessing": "docs/record-of-processing.md",
    "spec.guardrails.confidenceThreshold": 0.8,
    "spec.humanOversight.reviewSampleRate": 0.05,
    "spec.retention.transcriptsDays": 30,
    "spec.retention.recordingsDays": 30,
    "spec.logging.reviewIntervalDays": 30,
    "spec.monitoring.redTeamingIntervalDays": 90,
    "spec.payments.captureMode": "dtmf_masking",
    "spec.adminAccess.mfa": True,
}
EXAMPLES = """\
# Tools and vendors: list every backend tool the agent can call and every party that
# receives data; `ccaudit check` then asks for what each of them needs. For example:
# tools:
#   - name: crm.lookup_customer
#     description: Read the caller's contact details.
#     access: read
#     scopes: [crm:contacts:read]
#     fields: [name, email, phone]
#     dataCategories: [contact]
#     approval: never
#     requiresVerifiedCustomer: true
#     maxRecordsPerCall: 1
#     auth: {type: oauth2, credential: short_lived}
# vendors:
#   - name: acme-llm
#     purpose: language model
#     role: processor
#     regions: [aws:eu-west-1]
#     receives: [contact]
#     agreements: {dpa: true, ccpaTerms: true, transferMechanism: scc}
#     trainingOnCustomerData: false
#     retentionDays: 0
#     breachNoticeHours: 24
"""


class Scope(NamedTuple):
    name: str = "support-agent"
    owner: str = "cx-platform"
    subjects: tuple[str, ...] = ()
    categories: tuple[str, ...] = ("contact",)
    channels: tuple[str, ...] = ("chat",)


class Note(NamedTuple):
    """Why a setting is in the starter: the rulesets that require it, or a placeholder's."""

    rulesets: tuple[str, ...]
    placeholder: bool
    fact: bool = False  # a fact only the team can make true (guard.FACTS): to confirm


def starter(scope: Scope, config: RunConfig, target: str) -> str:
    """The text of a starter manifest for ``scope`` that ``check`` passes under ``config``."""
    manifest = _scope_manifest(scope)
    notes: dict[Path, Note] = {}
    for _ in range(ROUNDS):
        findings = _findings(manifest, config)
        if not findings:
            return _render(manifest, notes, target)
        for finding in findings:
            _settle(manifest, finding, notes)
    raise Stop("the starter does not pass `ccaudit check`: " + "; ".join(
        f"{f.id} {f.message}" for f in _findings(manifest, config)))


def _scope_manifest(scope: Scope) -> dict[str, Any]:
    spec: dict[str, Any] = {"dataSubjects": list(scope.subjects), "channels": list(scope.channels),
                            "dataCategories": list(scope.categories)}
    return {"apiVersion": "ccaudit/v1", "kind": "AgentDeployment",
            "metadata": {"name": scope.name, "owner": scope.owner}, "spec": spec}


def _findings(manifest: Mapping[str, Any], config: RunConfig) -> tuple[Finding, ...]:
    data = json.dumps(manifest).encode("utf-8")  # JSON is YAML: the loader reads it as check does
    return check_loaded("starter", load_bytes(data), config).findings


def _settle(manifest: dict[str, Any], finding: Finding, notes: dict[Path, Note]) -> None:
    """Write the finding's own fix, else the placeholder for its path; unknown: left (reported)."""
    if finding.fix is not None:
        path, value, placeholder = finding.fix.path, finding.fix.value, False
        if finding.fix.kind == "include":
            value = [*(_get(manifest, path) or []), *value]
    elif finding.path in PLACEHOLDERS:
        path, value, placeholder = _split(finding.path), PLACEHOLDERS[finding.path], True
    else:
        return
    _set(manifest, path, value)
    rulesets = tuple(sorted({r.ruleset for r in finding.binding}))
    old = notes.get(path)
    notes[path] = Note(tuple(sorted({*rulesets, *(old.rulesets if old else ())})), placeholder, fact(path))


def _split(dotted: str) -> Path:
    return tuple(dotted.split("."))


def _get(manifest: Mapping[str, Any], path: Path) -> Any:
    node: Any = manifest
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _set(manifest: dict[str, Any], path: Path, value: Any) -> None:
    node = manifest
    for part in path[:-1]:
        node = node.setdefault(str(part), {})
    node[str(path[-1])] = value


# ---- the text ----------------------------------------------------------------------------


def _render(manifest: dict[str, Any], notes: Mapping[Path, Note], target: str) -> str:
    from ccaudit.authoring import yamlrt

    schema = _schema()
    document = _commented(manifest, schema, notes, ())
    text = yamlrt.dump(yamlrt.RoundTrip(yamlrt.new_yaml(), [document]))
    return _header(target) + text + _indented(EXAMPLES, "  ")


def _header(target: str) -> str:
    folder = os.path.dirname(os.path.abspath(target))
    where = schema_file("manifest.schema.json")
    try:
        shown = os.path.relpath(where, folder)
    except ValueError:  # another drive (Windows)
        shown = str(where)
    return (f"# yaml-language-server: $schema={shown.replace(os.sep, '/')}\n"
            "# A starter written by `ccaudit init`: each setting holds the value the rulesets of this\n"
            "# scope require. Check it with `ccaudit check`; `ccaudit standard` shows who requires what.\n")


def _indented(text: str, prefix: str) -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


def _schema() -> Mapping[str, Any]:
    return json.loads(schema_file("manifest.schema.json").read_text(encoding="utf-8"))


def _properties(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """The properties of a schema node (following a local ``$ref``)."""
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        node = schema["$defs"][ref.rsplit("/", 1)[1]]
    return node.get("properties", {})


def _commented(value: dict[str, Any], schema: Mapping[str, Any], notes: Mapping[Path, Note], path: Path,
               node: Mapping[str, Any] | None = None) -> Any:
    """``value`` as a commented mapping, keys in the schema's order, each set key explained."""
    from ruamel.yaml.comments import CommentedMap

    properties = _properties(schema, node if node is not None else schema)
    out = CommentedMap()
    for key in _ordered(value, properties):
        sub = value[key]
        here = (*path, key)
        out[key] = _commented(sub, schema, notes, here, properties.get(key, {})) if isinstance(sub, dict) else \
            _flow(sub)
        comment = _comment(properties.get(key, {}), notes, here)
        if comment:
            out.yaml_set_comment_before_after_key(key, before=comment, indent=2 * (len(here) - 1))
    return out


def _ordered(value: Mapping[str, Any], properties: Mapping[str, Any]) -> list[str]:
    order = {k: i for i, k in enumerate(properties)}
    return sorted(value, key=lambda k: order.get(k, len(order)))


def _flow(value: Any) -> Any:
    """A list written in flow style (``[a, b]``); other values as they are."""
    from ccaudit.authoring.yamlrt import flow_seq

    return flow_seq(value) if isinstance(value, list) else value


def _comment(node: Mapping[str, Any], notes: Mapping[Path, Note], path: Path) -> str | None:
    """What the key means and who requires its value (sections: what they hold)."""
    meaning = str(node.get("description", "")).strip()
    note = notes.get(path)
    if note is None:
        return _wrap(meaning, 94) if path[0] == "spec" and len(path) == 2 and meaning else None
    who = f"required by {', '.join(note.rulesets)}" if note.rulesets else "required"
    if note.fact:
        who += "; a fact only your team can make true: confirm it"
    elif note.placeholder:
        who += "; no ruleset sets the value: this one is a placeholder to review"
    return _wrap(f"{meaning} ({who})" if meaning else who, 96 - 2 * len(path))


def parse_list(text: str | None) -> tuple[str, ...]:
    """``EU,US-CA`` -> ("EU", "US-CA"); empty or None -> ()."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())



def _wrap(text: str, width: int) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False)
