"""The text report: findings grouped per file, a code frame, the binding citation, a summary."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from ccaudit.model import Basis, Finding, RunResult, printable
from ccaudit.render import cite, flow
from ccaudit.reporters.common import chunked

_COLORS = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m"}
_DIM, _BOLD, _RESET = "\033[2m", "\033[1m", "\033[0m"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text


def render(result: RunResult, color: bool = False) -> Iterator[str]:
    """The report in pieces of a few thousand lines."""
    return chunked(_lines(result, _Style(color)))


def _lines(result: RunResult, style: _Style) -> Iterator[str]:
    findings = (f for f in result.findings if f.suppressed is None)
    for file, group in groupby(findings, key=lambda f: f.file):
        yield style(_BOLD, file)
        for finding in group:
            yield from _finding(finding, style)
        yield ""
    yield summary(result)
    yield from upcoming_line(result)


def _finding(f: Finding, style: _Style) -> list[str]:
    severity = str(f.severity)
    lines = [f"{f.file}:{f.span.line}:{f.span.column}: {style(_BOLD, f.id)} "
             f"{style(_COLORS[severity], '[' + severity + ']')} {printable(f.message)}"]
    if f.source_line:
        lines += _frame(f, _COLORS[severity], style)
    binding = f.binding
    if binding:
        cited = "; ".join(f"{r.ruleset}: {cite(r.citations)}" + _value(r) for r in binding)
        lines.append(style(_DIM, f"  required by {cited}"))
        others = [r for r in f.requirements if not r.binding]
        if others:
            also = "; ".join(r.ruleset + _value(r) for r in others)
            lines.append(style(_DIM, f"  also: {also}"))
    if f.remediation:
        lines.append(style(_DIM, "  fix:"))
        lines += [style(_DIM, "    " + printable(line)) for line in f.remediation.splitlines()]
    return lines


def _frame(f: Finding, color: str, style: _Style) -> list[str]:
    """The source line (control characters escaped) and a caret under the finding's span."""
    number, source = str(f.span.line), f.source_line.expandtabs(1)
    end = f.span.end_column if f.span.end_line == f.span.line else len(source) + 1
    start = min(f.span.column, len(source) + 1)
    before, marked = printable(source[:start - 1]), printable(source[start - 1:max(start, end) - 1])
    return [style(_DIM, f"  {number} | ") + printable(source),
            style(_DIM, f"  {' ' * len(number)} | ") + " " * len(before) + style(color, "^" * max(1, len(marked)))]


def _value(basis: Basis) -> str:
    """`` (2192)`` after a citation; nothing for category lists (the message names the category)."""
    value = basis.value
    return "" if value is None or isinstance(value, (list, tuple)) else f" ({flow(value)})"


def nothing_checked(result: RunResult) -> str | None:
    """``no AgentDeployment manifest found in 3 YAML files`` for a run that checked nothing (else None)."""
    if result.manifests or result.findings:
        return None
    return f"no AgentDeployment manifest found in {_plural(len(result.files), 'YAML file')}"


def summary(result: RunResult) -> str:
    """``3 findings (1 critical, 2 high) in 2 of 14 manifests (9 files)``; ``0 findings in 1 manifest (1 file)``."""
    nothing = nothing_checked(result)
    if nothing:
        return nothing
    counts = result.counts()
    detail = ", ".join(f"{n} {s}" for s, n in counts.by_severity if n)
    total = _plural(counts.findings, "finding") + (f" ({detail})" if detail else "")
    suppressed = f", {counts.suppressed} suppressed" if counts.suppressed else ""
    affected = f"{counts.affected} of " if counts.affected else ""
    return (f"{total}{suppressed} in {affected}{_plural(counts.manifests, 'manifest')} "
            f"({_plural(counts.files, 'file')})")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


SOON_DAYS = 90


def upcoming_line(result: RunResult) -> list[str]:
    """``2 obligations take effect within 90 days: ...`` when any does (else nothing)."""
    from datetime import date, timedelta

    if result.as_of is None:
        return []
    horizon = (date.fromisoformat(result.as_of) + timedelta(days=SOON_DAYS)).isoformat()
    soon = sorted({(u.effective, u.ruleset, u.control) for u in result.upcoming if u.effective <= horizon})
    if not soon:
        return []
    listed = ", ".join(f"{ruleset} {control} on {day}" for day, ruleset, control in soon)
    return [f"{_plural(len(soon), 'obligation')} take{'s' if len(soon) == 1 else ''} effect within "
            f"{SOON_DAYS} days: {listed}"]
