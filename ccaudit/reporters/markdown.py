"""Markdown: a summary line and a table per manifest, for pull-request comments and job summaries."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.model import Finding, RunResult, Severity, printable
from ccaudit.reporters.common import ManifestGroup, chunked, manifest_groups, required_by

HEADER = ["| severity | control | line | finding | required by | fix |", "|---|---|---|---|---|---|"]


def cell(text: str) -> str:
    """Literal text in a table cell: HTML and pipes escaped, newlines as <br>, control characters escaped."""
    return "<br>".join(printable(_html(line)).replace("|", "\\|") for line in text.splitlines() or [""])


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_cell(snippet: str) -> str:
    """A YAML snippet in a table cell: one ``<code>`` per line, its indentation kept."""
    lines = (printable(_html(line)).replace("|", "&#124;") for line in snippet.splitlines())
    return "<br>".join(f"<code>{'&nbsp;' * (len(line) - len(line.lstrip(' ')))}{line.lstrip(' ')}</code>"
                       for line in lines)


def render(result: RunResult) -> Iterator[str]:
    return chunked(_lines(result))


def _lines(result: RunResult) -> Iterator[str]:
    from ccaudit.reporters.text import summary

    yield from ["## ccaudit", "", f"**{cell(summary(result))}**"]
    clean: list[ManifestGroup] = []
    for group in manifest_groups(result, include_suppressed=False):
        if group.findings:
            yield from table(group)
        else:
            clean.append(group)
    if clean:
        yield from ["", "### Without findings", ""]
        yield from (f"- `{cell(g.file)}`" + (f" ({cell(g.manifest)})" if g.manifest else "")
                    + f": {len(g.controls)} controls evaluated" for g in clean)


def table(group: ManifestGroup) -> Iterator[str]:
    """A blank line, the manifest's heading and its table of findings."""
    yield from ["", f"### `{cell(group.file)}`" + (f" ({cell(group.manifest)})" if group.manifest else ""), "", *HEADER]
    yield from (row(f) for f in group.findings)


def row(finding: Finding) -> str:
    cells = [f"**{finding.severity}**" if finding.severity >= Severity.HIGH else str(finding.severity),
             f"{finding.id} `{finding.slug}`", f"{finding.span.line}:{finding.span.column}",
             cell(finding.message), cell(required_by(finding)) or "input check",
             code_cell(finding.remediation)]
    return "| " + " | ".join(cells) + " |"
