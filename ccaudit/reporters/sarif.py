"""SARIF 2.1.0 as GitHub code scanning ingests it.

The rules are the controls this run ran (evaluated on at least one manifest) and those its
results name (an input check such as CCA001 on a file that does not parse), sorted by id,
each result pointing at its rule with ``ruleIndex``. Not the whole catalog: SARIF's
``rules`` describe what the analysis ran, and code scanning closes an alert when a later
analysis of the same tool and category no longer reports its result, whether or not the
rule is listed (GitHub, "SARIF support for code scanning"); a control that did not run has
nothing to say about this repository. A run over one file that does not parse lists one
rule, not forty-odd pages of help.

Each rule's ``help`` is the control's page (`ccaudit explain` prints the same text), plus
the organization rulesets of this run that also require it. No timestamps or absolute
paths: the output is a function of the findings alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from ccaudit import __version__
from ccaudit.docs import markdown as page_markdown
from ccaudit.docs import page, requirers
from ccaudit.docs import text as page_text
from ccaudit.model import Finding, RunResult
from ccaudit.render import cite
from ccaudit.reporters.common import CONTROLS_URI, INFORMATION_URI, json_list, repo_files, required_by
from ccaudit.rulesets import Control, catalog

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "ccaudit/v1"
SRCROOT = "%SRCROOT%"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
SUPPRESSION_KINDS = {"inline": "inSource"}  # config waivers and baselines live outside the file: external


def render(result: RunResult, include_suppressed: bool = False) -> Iterator[str]:
    """The document, its results one at a time (they are the last key of the only run)."""
    findings = [f for f in result.findings if include_suppressed or f.suppressed is None]
    controls = rule_ids(result, findings)
    head, _, tail = json.dumps(document(result, findings, controls), indent=2, ensure_ascii=False).rpartition(
        '"results": []')
    index, uris = {control: i for i, control in enumerate(controls)}, repo_files(result)
    yield head + '"results": '
    yield from json_list((sarif_result(f, index[f.id], uris.get(f.file, f.file)) for f in findings), depth=3)
    yield tail + "\n"


def document(result: RunResult, findings: list[Finding], controls: list[str]) -> dict[str, Any]:
    """Everything but the results."""
    others = _other_rulesets(findings)
    run = {
        "tool": {"driver": {"name": "ccaudit", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [rule(catalog()[c], others.get(c, {})) for c in controls]}},
        "columnKind": "unicodeCodePoints",
        "results": [],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


# ---- rules ---------------------------------------------------------------------------


def rule_ids(result: RunResult, findings: list[Finding]) -> list[str]:
    """The controls that ran on a manifest of the run, and those its results name, by id."""
    ran = {c for r in result.files for m in r.manifest_results for c in m.controls}
    return sorted(ran | {f.id for f in findings})


def _other_rulesets(findings: list[Finding]) -> dict[str, dict[str, str]]:
    """Per control, the rulesets of this run beyond the built-ins (an organization's): name -> citation."""
    out: dict[str, dict[str, str]] = {}
    for finding in findings:
        builtin = {name for name, _ in requirers(catalog()[finding.id])}
        for basis in finding.requirements:
            if basis.ruleset not in builtin:
                out.setdefault(finding.id, {}).setdefault(basis.ruleset, cite(basis.citations))
    return {control: dict(sorted(names.items())) for control, names in out.items()}


def rule(control: Control, others: dict[str, str] | None = None) -> dict[str, Any]:
    severity = str(control.severity)
    others = others or {}
    tags = ["security", "compliance", control.group, *(name for name, _ in requirers(control)), *others]
    explain = f"`ccaudit explain {control.id}` prints this page."
    also_text = [f"Also required in this run by: {name}: {citation}" for name, citation in others.items()]
    also_markdown = [f"Also required in this run by **{name}**: {citation}" for name, citation in others.items()]
    return {
        "id": control.id,
        "name": control.slug,
        "shortDescription": {"text": _sentence(control.title)},
        "fullDescription": {"text": _sentence(page(control.id).what or control.title)},
        "help": {"text": "\n".join([page_text(page(control.id)), *also_text, explain]),
                 "markdown": "\n".join([page_markdown(page(control.id)), *also_markdown, explain])},
        "helpUri": CONTROLS_URI,
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": list(dict.fromkeys(tags)), "precision": "very-high",
                       "security-severity": SECURITY_SEVERITY[severity]},
    }


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# ---- results -------------------------------------------------------------------------


def sarif_result(finding: Finding, rule_index: int, uri: str) -> dict[str, Any]:
    span = finding.span
    region = {"startLine": span.line, "startColumn": span.column,
              "endLine": span.end_line, "endColumn": span.end_column}
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVELS[str(finding.severity)],
        "message": {"text": message(finding)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(uri, safe="/"), "uriBaseId": SRCROOT}, "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": str(finding.severity), "path": finding.path, "manifest": finding.manifest},
    }
    if finding.suppressed is not None:
        result["suppressions"] = [{"kind": SUPPRESSION_KINDS.get(finding.suppressed.kind, "external"),
                                   "justification": finding.suppressed.reason}]
    return result


def message(finding: Finding) -> str:
    """The finding's message as a sentence, then the binding citations."""
    text = _sentence(finding.message)
    binding = required_by(finding)
    return f"{text} Required by {binding}." if binding else text
