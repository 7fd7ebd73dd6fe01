"""The evidence report as NIST OSCAL 1.1 ``assessment-results`` (JSON).

One observation and one finding per manifest x ruleset x control, written one at a time; every UUID is derived
(version 5) from what it stands for, and every timestamp is the report's day at 00:00 UTC,
so the output is byte-identical from run to run. ccaudit's own status (``waived``,
``not_applicable``, ...) is a property in ccaudit's namespace; OSCAL's objective state is
``satisfied`` only for ``pass``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

from ccaudit import __version__
from ccaudit.evidence import Cell, Column, Evidence, Row, Section
from ccaudit.evidence.text import cell_text
from ccaudit.model import printable
from ccaudit.render import cite
from ccaudit.reporters.common import json_list

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


def render(evidence: Evidence) -> Iterator[str]:
    """The document, its observations and then its findings one at a time and one a line (a cell
    each: 848,000 at 10,000 manifests); they are the last keys of the only result."""
    stamp = f"{evidence.as_of}T00:00:00Z"
    labels = [c.label for c in evidence.columns]
    result: dict[str, Any] = {"uuid": _uuid("result", evidence.as_of, *labels), "title": "ccaudit evidence",
              "description": f"{len(labels)} manifest(s) checked against {len(evidence.sections)} ruleset(s).",
              "start": stamp, "end": stamp, "reviewed-controls": {"control-selections": [{"include-all": {}}]}}
    cells = any(row.cells for section in evidence.sections for row in section.rows)
    if cells:
        result.update({"observations": [], "findings": []})
    document = {"uuid": _uuid("assessment-results", evidence.as_of, *labels),
                "metadata": {"title": "ccaudit evidence report", "last-modified": stamp,
                             "version": __version__, "oscal-version": OSCAL_VERSION},
                "import-ap": {"href": "#ccaudit-assessment-plan",
                              "remarks": "ccaudit checks manifests against its built-in rulesets; no separate plan."},
                "results": [result]}
    text = json.dumps({"assessment-results": document}, ensure_ascii=False, indent=1)
    if not cells:
        yield text + "\n"
        return
    head, _, tail = text.rpartition('"findings": []')
    head, _, between = head.rpartition('"observations": []')
    yield head + '"observations": '
    yield from json_list((_observation(*where, stamp) for where in _cells(evidence)), depth=4, indent=1, flat=True)
    yield between + '"findings": '
    yield from json_list((_finding(*where) for where in _cells(evidence)), depth=4, indent=1, flat=True)
    yield tail + "\n"


def _cells(evidence: Evidence) -> Iterator[tuple[Section, Row, Column, Cell]]:
    for section in evidence.sections:
        for row in section.rows:
            for column, cell in zip(evidence.columns, row.cells, strict=True):
                yield section, row, column, cell


def _observation(section: Section, row: Row, column: Column, cell: Cell, stamp: str) -> dict[str, Any]:
    control = row.control.id
    where = "; ".join(f"{f.file}:{f.span.line}: {f.message}" for f in cell.findings)
    return {
        "uuid": _uuid("observation", column.file, column.name or "", section.ruleset.id, control),
        "title": f"{control} on {column.label}",
        "description": printable(f"{control} ({row.control.slug}) for {section.ruleset.id}: {cell_text(cell)}"
                                 + (f". {where}" if where else "")),
        "props": [_prop("status", cell.status), _prop("manifest-file", column.file)],
        "methods": ["TEST"], "types": ["control-objective"],
        "subjects": [{"subject-uuid": _uuid("manifest", column.file, column.name or ""), "type": "component",
                      "title": printable(column.label)}],
        "collected": stamp}


def _finding(section: Section, row: Row, column: Column, cell: Cell) -> dict[str, Any]:
    ruleset, control = section.ruleset.id, row.control.id
    key = (column.file, column.name or "", ruleset, control)
    return {
        "uuid": _uuid("finding", *key), "title": printable(f"{ruleset} {control} {row.control.slug}"),
        "description": printable(f"{row.control.title}. Required by {cite(row.requirement.citations)}."),
        "props": [_prop("status", cell.status), _prop("ruleset", ruleset), _prop("control", control)],
        "target": {"type": "objective-id", "target-id": _token(f"{ruleset}_{control}".lower()),
                   "status": {"state": "satisfied" if cell.status == "pass" else "not-satisfied"}},
        "related-observations": [{"observation-uuid": _uuid("observation", *key)}]}
