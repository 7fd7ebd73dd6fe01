"""The evidence report as Markdown, for a pull request or a wiki."""

from __future__ import annotations

from ccaudit.evidence import Evidence, Section, score_of, tally
from ccaudit.evidence.text import (
    cell_text,
    exemption_age,
    matrix_cell,
    quoted,
    value_text,
)
from ccaudit.model import printable
from ccaudit.render import cite


def _md(text: str) -> str:
    """Table-safe: pipes, backticks, angle brackets and newlines cannot break the layout."""
    out = printable(text).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return out.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*").replace("_", "\\_")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def render(evidence: Evidence) -> str:
    cols = evidence.columns
    out = [f"# Evidence report (as of {evidence.as_of})", ""]
    passing, applicable = evidence.total_score()
    out += [(f"{len(cols)} manifest(s), {len(evidence.sections)} ruleset(s); {passing}/{applicable} "
             "requirements pass."), "", "## Status matrix", ""]
    head = ["Ruleset", *(_md(c.label) + (" ⚠ input problem" if c.problems else "") for c in cols)]
    out += _table(head, [[_md(s.ruleset.id), *(matrix_cell(evidence, s, i) for i in range(len(cols)))]
                         for s in evidence.sections])
    out += ["", "| Manifest | Score |", "|---|---|"]
    out += ["| {} | {}/{} |".format(_md(c.label), *score)
            for c, score in zip(cols, evidence.column_scores(), strict=True)]
    for section in evidence.sections:
        out += _section(evidence, section)
    out += ["", "## Exception register", ""]
    out += _table(["Kind", "Controls", "Reason", "Until", "Age", "Where", "Findings"],
                  [[e.kind, ", ".join(e.controls), _md(e.reason), e.until or "", exemption_age(e), _md(e.where),
                    str(e.findings)] for e in evidence.register]) if evidence.register else ["None."]
    out += ["", "## Upcoming obligations (180 days)", ""]
    out += _table(["Date", "Ruleset", "Control", "Requires", "Citation"],
                  [[u.effective, _md(u.ruleset), u.control, _md(value_text(u.parameter, u.value)), _md(u.citation)]
                   for u in evidence.upcoming]) if evidence.upcoming else ["None."]
    out += ["", "## Input problems (CCA001-CCA010)", ""]
    problems = [f for c in cols for f in c.problems] + list(evidence.orphans)
    out += [f"- `{f.id}` {_md(f.file)}:{f.span.line} ({_md(f.manifest or 'no manifest')}): {_md(f.message)}"
            for f in problems] or ["None."]
    return "\n".join(out) + "\n"


def _section(evidence: Evidence, section: Section) -> list[str]:
    ruleset = section.ruleset
    passing, applicable = score_of(tally(section.rows))
    worst = evidence.most_failed(section.rows)
    out = ["", f"## {_md(ruleset.id)}: {_md(ruleset.title)}", "",
           f"Score {passing}/{applicable}" + (f"; most failures: {worst[0]} ({worst[1]})" if worst else "") + ".", ""]
    head = ["Requirement", "Citation", *(_md(c.label) for c in evidence.columns)]
    rows = [[f"{row.control.id} {_md(row.control.slug)}" + (" (upcoming)" if row.upcoming else ""),
             _md(cite(row.requirement.citations)) + "".join(f"<br>“{_md(q)}”" for q in quoted(row.requirement)),
             *(_md(cell_text(c)) for c in row.cells)] for row in section.rows]
    return out + _table(head, rows)
