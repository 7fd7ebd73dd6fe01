"""The JSON report, described by schemas/report.schema.json (version 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ccaudit import __version__
from ccaudit.model import Basis, Finding, RunResult, Upcoming
from ccaudit.render import cite

REPORT_VERSION = 1


def lines(result: RunResult) -> Iterator[str]:
    """One line per finding: readable, diffable, and made one at a time with json's C encoder,
    so that a report of tens of thousands of findings is written without being held in memory."""
    findings = result.findings
    yield "{" + _pair("version", REPORT_VERSION) + ",\n"
    yield " " + _pair("tool", {"name": "ccaudit", "version": __version__}) + ",\n"
    yield ' "findings": [' + ("" if findings else "],") + "\n"
    for index, item in enumerate(findings):
        yield "  " + _dump(finding(item)) + ("],\n" if index == len(findings) - 1 else ",\n")
    yield " " + _pair("files", [{"file": r.file, "manifests": r.manifests} for r in result.files]) + ",\n"
    if result.baseline_fixed:
        yield " " + _pair("baselineFixed", list(result.baseline_fixed)) + ",\n"
    yield " " + _pair("upcoming", [upcoming_row(u) for u in result.upcoming]) + ",\n"
    yield " " + _pair("summary", summary(result)) + "}\n"


def render(result: RunResult) -> str:
    return "".join(lines(result))


def summary(result: RunResult) -> dict[str, Any]:
    counts = result.counts()
    return {"files": counts.files, "manifests": counts.manifests, "findings": counts.findings,
            "suppressed": counts.suppressed, "bySeverity": dict(counts.by_severity)}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pair(key: str, value: Any) -> str:
    return f"{_dump(key)}: {_dump(value)}"


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


def requirement(r: Basis) -> dict[str, Any]:
    out = {"ruleset": r.ruleset, "citation": cite(r.citations, marked=False), "value": r.value, "binding": r.binding}
    unverified = [c.ref for c in r.citations if not c.verified]
    return {**out, "unverified": unverified} if unverified else out


def upcoming_row(u: Upcoming) -> dict[str, Any]:
    """A requirement not yet in force (the report's and `standard`'s ``upcoming``)."""
    value = list(u.value) if isinstance(u.value, tuple) else u.value
    return {"ruleset": u.ruleset, "control": u.control, "parameter": u.parameter, "value": value,
            "effective": u.effective, "citation": u.citation}
