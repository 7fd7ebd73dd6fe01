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

from ccaudit.evidence import APPLICABLE, Cell, Column, Evidence, Row, binds, own_values
from ccaudit.model import printable
from ccaudit.render import cite, flow

COLUMNS = ("file", "manifest", "ruleset", "control", "slug", "title", "status", "reason", "value", "effective",
           "binding", "citation", "findings", "locations")


def lines(evidence: Evidence) -> Iterator[str]:
    """The header, then one requirement's rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for section in evidence.sections:
        for row in section.rows:
            for column, cell in zip(evidence.columns, row.cells, strict=True):
                writer.writerow(_row(evidence, section.ruleset.id, row, column, cell))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _row(evidence: Evidence, ruleset: str, row: Row, column: Column, cell: Cell) -> list[str]:
    judged = cell.status in APPLICABLE and bool(row.requirement.parameters)
    value = flow(own_values(row.requirement, column.result.pd)) if judged else ""
    effective = flow(evidence.effective(column, row.control.id)) if judged else ""
    binding = ("true" if binds(evidence, row, column) else "false") if judged else ""
    reason = cell.reason or next((f.suppressed.reason for f in cell.findings if f.suppressed), "")
    locations = " ".join(f"{f.file}:{f.span.line}" for f in cell.findings)
    return [_safe(x) for x in (column.file, column.name or "", ruleset, row.control.id, row.control.slug,
                               row.control.title, cell.status, reason, value, effective, binding,
                               cite(row.requirement.citations), str(len(cell.findings)), locations)]


def _safe(text: str) -> str:
    """Printable, and never read as a formula by a spreadsheet (CSV injection)."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
