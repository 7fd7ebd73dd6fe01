"""The JSON report, described by schemas/report.schema.json (version 1)."""

from __future__ import annotations

import json
from typing import Any

from ccaudit import __version__
from ccaudit.model import SEVERITIES, Finding, Requirement, RunResult

REPORT_VERSION = 1


def render(result: RunResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"


def document(result: RunResult) -> dict[str, Any]:
    findings = result.findings
    active = [f for f in findings if f.suppressed is None]
    by_severity = {s: sum(1 for f in active if str(f.severity) == s) for s in SEVERITIES}
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "ccaudit", "version": __version__},
        "findings": [finding(f) for f in findings],
        "files": [{"file": r.file, "manifests": r.manifests} for r in result.files],
        **({"baselineFixed": list(result.baseline_fixed)} if result.baseline_fixed else {}),
        "summary": {"files": len(result.files), "manifests": result.manifests, "findings": len(active),
                    "suppressed": len(findings) - len(active), "bySeverity": by_severity},
    }


def finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "slug": f.slug, "severity": str(f.severity), "file": f.file,
        "line": f.span.line, "column": f.span.column, "endLine": f.span.end_line, "endColumn": f.span.end_column,
        "path": f.path, "manifest": f.manifest, "message": f.message,
        "requirements": [requirement(r) for r in f.requirements],
        "remediation": f.remediation, "fingerprint": f.fingerprint,
        "suppressed": None if f.suppressed is None else {
            "kind": f.suppressed.kind, "reason": f.suppressed.reason, "until": f.suppressed.until},
    }


def requirement(r: Requirement) -> dict[str, Any]:
    return {"ruleset": r.ruleset, "citation": r.citation, "value": r.value, "binding": r.binding,
            "citations": [{"ref": c.ref, "verified": c.verified} for c in r.citations]}
