"""The evidence report as one self-contained HTML page: no network, no script, styles inline,
readable printed. A coloured status matrix (rulesets x manifests), then per ruleset its
requirements with the binding citation and quoted wording, then the register. Everything
that comes from a file or a ruleset is escaped."""

from __future__ import annotations

from html import escape

from ccaudit.evidence import Evidence, Section, score_of, tally
from ccaudit.evidence.text import (
    cell_text,
    exemption_age,
    matrix_cell,
    quoted,
    value_text,
    worst,
)
from ccaudit.model import printable
from ccaudit.render import cite, flow

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f6f8fa}blockquote{margin:4px 0;color:#57606a;font-style:italic}
.pass{background:#d1f4d8}.fail{background:#ffd4d1}.waived,.suppressed,.baselined{background:#fff1c2}
.not_applicable{background:#eaeef2;color:#57606a}.upcoming{background:#d8e8ff}.problem{color:#a40e26}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #d0d7de}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def _e(text: object) -> str:
    return escape(printable(str(text)), quote=True)


def render(evidence: Evidence) -> str:
    cols = evidence.columns
    passing, applicable = evidence.total_score()
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
           f"<title>ccaudit evidence report, {_e(evidence.as_of)}</title><style>{STYLE}</style></head><body>",
           (f"<h1>Evidence report</h1><p>As of {_e(evidence.as_of)}: {len(cols)} manifest(s), "
            f"{len(evidence.sections)} ruleset(s); {passing}/{applicable} requirements pass.</p>"),
           '<p class="legend">' + "".join(f'<span class="{s}">{s}</span>' for s in
                                         ("pass", "fail", "waived", "upcoming", "not_applicable")) + "</p>",
           "<h2>Status matrix</h2>", _matrix(evidence)]
    out += [_section(evidence, s) for s in evidence.sections]
    out += [_register(evidence), _upcoming(evidence), _problems(evidence), "</body></html>\n"]
    return "\n".join(out)


def _matrix(evidence: Evidence) -> str:
    head = "".join(f'<th scope="col" class="manifest">{_e(c.label)}'
                   + ('<br><span class="problem">⚠ input problem</span>' if c.problems else "") + "</th>"
                   for c in evidence.columns)
    rows = []
    for section in evidence.sections:
        cells = "".join(f'<td class="{worst(evidence, section, i)}">{_e(matrix_cell(evidence, section, i))}</td>'
                        for i in range(len(evidence.columns)))
        rows.append(f'<tr class="ruleset"><th scope="row">{_e(section.ruleset.id)}</th>{cells}</tr>')
    scores = "".join("<td>{}/{}</td>".format(*score) for score in evidence.column_scores())
    return (f'<table class="matrix"><thead><tr><th>Ruleset</th>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody><tfoot><tr><th>Score</th>{scores}</tr></tfoot></table>')


def _section(evidence: Evidence, section: Section) -> str:
    ruleset = section.ruleset
    passing, applicable = score_of(tally(section.rows))
    most = evidence.most_failed(section.rows)
    note = f"; most failures: {_e(most[0])} ({most[1]})" if most else ""
    head = "".join(f"<th>{_e(c.label)}</th>" for c in evidence.columns)
    rows = []
    for row in section.rows:
        req = row.requirement
        params = ", ".join(f"{_e(k)}: {_e(flow(v))}" for k, v in req.parameters.items())
        law = _e(cite(req.citations)) + "".join(f"<blockquote>“{_e(q)}”</blockquote>" for q in quoted(req))
        title = (f"<b>{_e(row.control.id)}</b> {_e(row.control.slug)}<br>{_e(row.control.title)}"
                 + (f"<br><code>{params}</code>" if params else "")
                 + (f"<br>upcoming: in force from {_e(req.effective)}" if row.upcoming else ""))
        cells = "".join(f'<td class="{c.status}">{_e(cell_text(c))}' + "".join(
            f"<br><small>{_e(f.file)}:{f.span.line}: {_e(f.message)}</small>" for f in c.findings) + "</td>"
                        for c in row.cells)
        rows.append(f"<tr><td>{title}</td><td>{law}</td>{cells}</tr>")
    return (f'<h2 id="{_e(ruleset.id)}">{_e(ruleset.id)}: {_e(ruleset.title)}</h2>'
            f"<p>Score {passing}/{applicable}{note}.</p><table><thead><tr><th>Requirement</th><th>Citation</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _table(title: str, empty: str, head: tuple[str, ...], rows: list[str]) -> str:
    """A section of the page: its heading, then a table of ``rows`` (``<tr>`` strings) or ``empty``."""
    if not rows:
        return f"<h2>{title}</h2><p>{empty}</p>"
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<h2>{title}</h2><table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _register(evidence: Evidence) -> str:
    rows = [f'<tr class="{"fail" if e.expired else "waived"}"><td>{_e(e.kind)}</td>'
            f"<td>{_e(', '.join(e.controls))}</td><td>{_e(e.reason)}</td><td>{_e(e.until or '')}</td>"
            f"<td>{_e(exemption_age(e))}</td><td>{_e(e.where)}</td><td>{e.findings}</td></tr>"
            for e in evidence.register]
    return _table("Exception register", "No waivers or inline suppressions.",
                  ("Kind", "Controls", "Reason", "Until", "Age", "Where", "Findings"), rows)


def _upcoming(evidence: Evidence) -> str:
    rows = [f"<tr><td>{_e(u.effective)}</td><td>{_e(u.ruleset)}</td><td>{_e(u.control)}</td>"
            f"<td>{_e(value_text(u.parameter, u.value))}</td><td>{_e(u.citation)}</td></tr>"
            for u in evidence.upcoming]
    return _table("Upcoming obligations (180 days)", "None.", ("Date", "Ruleset", "Control", "Requires", "Citation"),
                  rows)


def _problems(evidence: Evidence) -> str:
    problems = [f for c in evidence.columns for f in c.problems] + list(evidence.orphans)
    if not problems:
        return "<h2>Input problems (CCA001&ndash;CCA010)</h2><p>None.</p>"
    items = "".join(f"<li><b>{_e(f.id)}</b> {_e(f.file)}:{f.span.line} ({_e(f.manifest or 'no manifest')}): "
                    f"{_e(f.message)}</li>" for f in problems)
    return f'<h2>Input problems (CCA001&ndash;CCA010)</h2><ul class="problems">{items}</ul>'
