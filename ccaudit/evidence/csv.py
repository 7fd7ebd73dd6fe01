"""The evidence report as CSV, for GRC tools: one row per manifest x ruleset x control.

Columns (``COLUMNS``): file, manifest, ruleset, control, slug, title, status (pass, fail, waived,
suppressed, baselined, not_applicable, upcoming), reason (why not applicable; an upcoming
requirement's date; an exception's reason), value (this ruleset's own, YAML flow), effective (the
merged value on that manifest), binding (true/false; empty without parameters), citation (the
ruleset's references), findings (how many), locations (FILE:LINE of each, space-separated).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ccaudit.evidence import APPLICABLE, Column, Evidence, Row, binds, own_values
from ccaudit.model import printable
from ccaudit.render import cite, flow

COLUMNS = ("file", "manifest", "ruleset", "control", "slug", "title", "status", "reason", "value", "effective",
           "binding", "citation", "findings", "locations")


def lines(evidence: Evidence) -> Iterator[str]:
    """The header, then one requirement's rows at a time. What a row's cells share (the manifest's
    columns, the requirement's, the values per kind of manifest) is written out once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    manifests = [(_safe(c.file), _safe(c.name or "")) for c in evidence.columns]
    for section in evidence.sections:
        for row in section.rows:
            requirement = [_safe(x) for x in (section.ruleset.id, row.control.id, row.control.slug, row.control.title)]
            citation, values = _safe(cite(row.requirement.citations)), _Values(evidence, row)
            for manifest, column, cell in zip(manifests, evidence.columns, row.cells, strict=True):
                judged = cell.status in APPLICABLE and bool(row.requirement.parameters)
                reason = cell.reason or next((f.suppressed.reason for f in cell.findings if f.suppressed), "")
                locations = " ".join(f"{f.file}:{f.span.line}" for f in cell.findings)
                writer.writerow([*manifest, *requirement, cell.status, _safe(reason),
                                 *(values(column) if judged else ("", "", "")), citation, str(len(cell.findings)),
                                 _safe(locations)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class _Values:
    """A requirement's value, effective value and binding on a manifest, once per kind of manifest
    (they depend only on its rulesets and personal data)."""

    def __init__(self, evidence: Evidence, row: Row) -> None:
        self.evidence, self.row = evidence, row
        self.known: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, str, str]] = {}

    def __call__(self, column: Column) -> tuple[str, str, str]:
        kind = (column.result.rulesets, column.result.pd)
        if kind not in self.known:
            evidence, row = self.evidence, self.row
            self.known[kind] = (_safe(flow(own_values(row.requirement, column.result.pd))),
                                _safe(flow(evidence.effective(column, row.control.id))),
                                "true" if binds(evidence, row, column) else "false")
        return self.known[kind]


def _safe(text: str) -> str:
    """Printable, and never read as a formula by a spreadsheet (CSV injection)."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
