"""The evidence report as NIST OSCAL 1.1 ``assessment-results`` (JSON).

One observation and one finding per manifest x ruleset x control; every UUID is derived
(version 5) from what it stands for, and every timestamp is the report's day at 00:00 UTC,
so the output is byte-identical from run to run. ccaudit's own status (``waived``,
``not_applicable``, ...) is a property in ccaudit's namespace; OSCAL's objective state is
``satisfied`` only for ``pass``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from ccaudit import __version__
from ccaudit.evidence import Cell, Column, Evidence, Row, Section
from ccaudit.evidence.text import cell_text
from ccaudit.model import printable
from ccaudit.render import cite

OSCAL_VERSION = "1.1.2"
NS = "https://ccaudit.dev/ns/oscal"
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "https://ccaudit.dev/evidence")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def _token(text: str) -> str:
    """An OSCAL token: a letter or ``_`` first, then letters, digits, ``.``, ``-``, ``_``."""
    out = re.sub(r"[^A-Za-z0-9._-]", "_", text)
    return out if re.match(r"[A-Za-z_]", out) else "_" + out


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": printable(value) or "-"}


def render(evidence: Evidence) -> str:
    stamp = f"{evidence.as_of}T00:00:00Z"
    labels = [c.label for c in evidence.columns]
    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for section in evidence.sections:
        for row in section.rows:
            for column, cell in zip(evidence.columns, row.cells, strict=True):
                observation, finding = _pair(section, row, column, cell, stamp)
                observations.append(observation)
                findings.append(finding)
    result: dict[str, Any] = {"uuid": _uuid("result", evidence.as_of, *labels), "title": "ccaudit evidence",
              "description": f"{len(labels)} manifest(s) checked against {len(evidence.sections)} ruleset(s).",
              "start": stamp, "end": stamp, "reviewed-controls": {"control-selections": [{"include-all": {}}]}}
    if observations:
        result.update({"observations": observations, "findings": findings})
    document = {"uuid": _uuid("assessment-results", evidence.as_of, *labels),
                "metadata": {"title": "ccaudit evidence report", "last-modified": stamp,
                             "version": __version__, "oscal-version": OSCAL_VERSION},
                "import-ap": {"href": "#ccaudit-assessment-plan",
                              "remarks": "ccaudit checks manifests against its built-in rulesets; no separate plan."},
                "results": [result]}
    return json.dumps({"assessment-results": document}, ensure_ascii=False, indent=1) + "\n"


def _pair(section: Section, row: Row, column: Column, cell: Cell, stamp: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ruleset, control = section.ruleset.id, row.control.id
    key = (column.file, column.name or "", ruleset, control)
    observed = _uuid("observation", *key)
    where = "; ".join(f"{f.file}:{f.span.line}: {f.message}" for f in cell.findings)
    observation = {
        "uuid": observed, "title": f"{control} on {column.label}",
        "description": printable(f"{control} ({row.control.slug}) for {ruleset}: {cell_text(cell)}"
                                 + (f". {where}" if where else "")),
        "props": [_prop("status", cell.status), _prop("manifest-file", column.file)],
        "methods": ["TEST"], "types": ["control-objective"],
        "subjects": [{"subject-uuid": _uuid("manifest", column.file, column.name or ""), "type": "component",
                      "title": printable(column.label)}],
        "collected": stamp}
    finding = {
        "uuid": _uuid("finding", *key), "title": printable(f"{ruleset} {control} {row.control.slug}"),
        "description": printable(f"{row.control.title}. Required by {cite(row.requirement.citations)}."),
        "props": [_prop("status", cell.status), _prop("ruleset", ruleset), _prop("control", control)],
        "target": {"type": "objective-id", "target-id": _token(f"{ruleset}_{control}".lower()),
                   "status": {"state": "satisfied" if cell.status == "pass" else "not-satisfied"}},
        "related-observations": [{"observation-uuid": observed}]}
    return observation, finding
