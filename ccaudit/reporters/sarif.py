"""SARIF 2.1.0 as GitHub code scanning ingests it.

Every control of the catalog is listed as a rule (sorted by id, so ``ruleIndex`` is the
same from run to run and code scanning has the help of any rule an alert refers to).
No timestamps or absolute paths: the output is a function of the findings alone.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ccaudit import __version__
from ccaudit.model import Citation, Finding, RunResult
from ccaudit.reporters.common import CONTROLS_URI, INFORMATION_URI, RuleDoc, repo_files, required_by, rule_docs

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "ccaudit/v1"
SRCROOT = "%SRCROOT%"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
SUPPRESSION_KINDS = {"inline": "inSource"}  # config waivers and baselines live outside the file: external


def render(result: RunResult, include_suppressed: bool = False) -> str:
    return json.dumps(document(result, include_suppressed), indent=2, ensure_ascii=False) + "\n"


def document(result: RunResult, include_suppressed: bool = False) -> dict[str, Any]:
    docs = rule_docs()
    index = {doc.control.id: i for i, doc in enumerate(docs)}
    uris = repo_files(result)
    findings = [f for f in result.findings if include_suppressed or f.suppressed is None]
    others = _other_rulesets(findings, docs)
    run = {
        "tool": {"driver": {"name": "ccaudit", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [rule(doc, others.get(doc.control.id, {})) for doc in docs]}},
        "columnKind": "unicodeCodePoints",
        "results": [sarif_result(f, index[f.id], uris.get(f.file, f.file)) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


# ---- rules ---------------------------------------------------------------------------


def _other_rulesets(findings: list[Finding], docs: list[RuleDoc]) -> dict[str, dict[str, str]]:
    """Per control, the rulesets of this run beyond the built-ins (an organization's): name -> citation."""
    builtin = {doc.control.id: set(doc.rulesets) for doc in docs}
    out: dict[str, dict[str, str]] = {}
    for finding in findings:
        for requirement in finding.requirements:
            if requirement.ruleset not in builtin.get(finding.id, ()):
                out.setdefault(finding.id, {}).setdefault(requirement.ruleset, requirement.citation)
    return {control: dict(sorted(names.items())) for control, names in out.items()}


def rule(doc: RuleDoc, others: dict[str, str] | None = None) -> dict[str, Any]:
    control = doc.control
    severity = str(control.severity)
    others = others or {}
    tags = ["security", "compliance", control.group, *doc.rulesets, *others]
    also_text = [f"Also required in this run by: {name}: {citation}" for name, citation in others.items()]
    also_markdown = [f"Also required in this run by **{name}**: {citation}" for name, citation in others.items()]
    return {
        "id": control.id,
        "name": control.slug,
        "shortDescription": {"text": _sentence(control.title)},
        "fullDescription": {"text": _sentence(_flat(control.docs.get("what", control.title)))},
        "help": {"text": "\n\n".join([help_text(doc), *also_text]),
                 "markdown": "\n\n".join([help_markdown(doc), *also_markdown])},
        "helpUri": CONTROLS_URI,
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": list(dict.fromkeys(tags)), "precision": "very-high",
                       "security-severity": SECURITY_SEVERITY[severity]},
    }


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _parameters(parameters: Any) -> str:
    def show(value: Any) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(str(v) for v in value) + "]"
        return str(value).lower() if isinstance(value, bool) else str(value)

    return ", ".join(f"{k} {show(v)}" for k, v in parameters.items())


def _requirer_lines(doc: RuleDoc, markdown: bool) -> list[str]:
    if not doc.requirers:
        return ["- Always on: an input check that no ruleset can switch off." if markdown
                else "  Always on: an input check that no ruleset can switch off."]
    lines = []
    for name, requirement in doc.requirers:
        params = _parameters(requirement.parameters)
        head = f"**{name}**" if markdown else name
        lines.append(("- " if markdown else "  ") + head + (f" ({params})" if params else "")
                     + f", {requirement.severity}:")
        for citation in _unique(requirement.citations):
            ref = citation.ref + ("" if citation.verified else " (unverified: secondary sources only)")
            lines.append(f"  - {ref}" if markdown else f"    {ref}")
            if citation.quote:
                lines.append(f"    > {_flat(citation.quote)}" if markdown else f"      \"{_flat(citation.quote)}\"")
    return lines


def _unique(citations: tuple[Citation, ...]) -> list[Citation]:
    """Each reference once (per-parameter citations may repeat one), the first with its quote."""
    first: dict[str, Citation] = {}
    for citation in citations:
        first.setdefault(citation.ref, citation)
    return list(first.values())


def _examples(doc: RuleDoc, markdown: bool) -> list[str]:
    example = doc.control.docs.get("example") or {}
    scope = "the whole manifest" if example.get("scope") == "file" else "under spec:"
    lines: list[str] = []
    for label in ("failing", "passing"):
        code = str(example.get(label, "")).rstrip()
        if not code:
            continue
        title = f"{label.capitalize()} example ({scope})"
        if markdown:
            lines += ["", f"#### {title}", "", "```yaml", code, "```"]
        else:
            lines += ["", title + ":", *("    " + line if line else "" for line in code.splitlines())]
    return lines


def help_text(doc: RuleDoc) -> str:
    control, docs = doc.control, doc.control.docs
    lines = [f"{control.id} {control.slug} [{control.severity}]: {control.title}", "",
             _flat(docs.get("what", "")), "", "Why it matters: " + _flat(docs.get("why", "")), "",
             "Required by:", *_requirer_lines(doc, markdown=False), *_examples(doc, markdown=False), "",
             f"`ccaudit explain {control.id}` prints this page."]
    return "\n".join(lines)


def help_markdown(doc: RuleDoc) -> str:
    control, docs = doc.control, doc.control.docs
    lines = [f"**{control.id} `{control.slug}`** ({control.severity}): {control.title}", "",
             _flat(docs.get("what", "")), "", "#### Why it matters", "", _flat(docs.get("why", "")), "",
             "#### Required by", "", *_requirer_lines(doc, markdown=True), *_examples(doc, markdown=True), "",
             f"`ccaudit explain {control.id}` prints this page."]
    return "\n".join(lines)


# ---- results -------------------------------------------------------------------------


def sarif_result(finding: Finding, rule_index: int, uri: str) -> dict[str, Any]:
    span = finding.span
    region = {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}
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
