"""Suppress stage (pure): findings + inline directives + config waivers + baseline -> findings
marked suppressed, plus CCA005/CCA006 findings about the suppressions themselves.

Inline: ``# ccaudit: ignore[CCA205,no-log-review] reason="..." until=2027-06-30`` on the
finding's line or alone in the comment block directly above it; ``ignore-file[...]`` in the
file's first comment block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ccaudit.discover import matches
from ccaudit.model import Finding, Policy, Span, Suppression, Waiver, has_directive
from ccaudit.rulesets import catalog, find_control

NOT_INLINE = frozenset({"CCA001", "CCA005", "CCA006"})
_ADDRESSED = re.compile(r"#\s*ccaudit\b")  # a comment speaking to ccaudit, well-formed or not
_SYNTAX = re.compile(r"#\s*ccaudit:\s(?P<kind>ignore|ignore-file)\[(?P<ids>[^\]]*)\](?P<rest>.*)$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Directive(NamedTuple):
    """One suppression comment, parsed; ``problem`` says why it is invalid."""

    line: int
    span: Span
    file_wide: bool
    own_line: bool
    ids: tuple[str, ...] = ()
    reason: str = ""
    until: str | None = None
    problem: str | None = None


# ---- parsing -------------------------------------------------------------------------


def parse_directives(lines: Sequence[str]) -> list[Directive]:
    header = _first_comment_block(lines)
    found = []
    for number, text in enumerate(lines, 1):
        start = comment_start(text) if "ccaudit" in text else None
        if start is not None and _ADDRESSED.match(text, start):
            span = Span(number, start + 1, number, len(text) + 1)
            found.append(_parse(text[start:], number, span, not text[:start].strip(), number <= header))
    return found


def comment_start(line: str) -> int | None:
    """Where the YAML comment of a line begins: a ``#`` at the start or after a blank, outside
    quoted scalars (a quote opens one only where a scalar can begin)."""
    quote, index = None, 0
    while index < len(line):
        char, before = line[index], line[index - 1] if index else " "
        if quote == '"' and char == "\\":
            index += 1  # an escaped character
        elif quote == "'" and line.startswith("''", index):
            index += 1  # '' is a quote inside a single-quoted scalar
        elif quote is not None and char == quote:
            quote = None
        elif quote is None and char in "\"'" and before in " \t[{,:":
            quote = char
        elif quote is None and char == "#" and before in " \t":
            return index
        index += 1
    return None


def _first_comment_block(lines: Sequence[str]) -> int:
    """The last line number of the leading comment (and blank or ``---``) lines."""
    for number, text in enumerate(lines, 1):
        if text.strip() and not text.lstrip().startswith("#") and text.strip() != "---":
            return number - 1
    return len(lines)


def _parse(comment: str, line: int, span: Span, own_line: bool, in_header: bool) -> Directive:
    match = _SYNTAX.match(comment)
    if match is None:
        return Directive(line, span, False, own_line, problem="malformed suppression: write "
                         '# ccaudit: ignore[CCA205] reason="..." [until=YYYY-MM-DD]')
    file_wide = match["kind"] == "ignore-file"
    try:
        from shlex import split

        fields = dict(_field(token) for token in split(match["rest"], comments=True))
    except ValueError as exc:
        return Directive(line, span, file_wide, own_line, problem=f"malformed suppression: {exc}")
    ids, unknown = _control_ids(match["ids"])
    directive = Directive(line, span, file_wide, own_line, ids, fields.pop("reason", "").strip(),
                          fields.pop("until", None))
    problem = _problem(directive, unknown, sorted(fields), in_header)
    return directive._replace(problem=problem) if problem else directive


def _field(token: str) -> tuple[str, str]:
    key, sep, value = token.partition("=")
    if not sep:
        raise ValueError(f"expected key=value, found {token!r}")
    return key, value


def _control_ids(text: str) -> tuple[tuple[str, ...], list[str]]:
    ids, unknown = [], []
    for name in (part.strip() for part in text.split(",") if part.strip()):
        control = find_control(name)
        if control is None:
            unknown.append(name)
        else:
            ids.append(control.id)
    return tuple(ids), unknown


def _problem(directive: Directive, unknown: list[str], extra: list[str], in_header: bool) -> str | None:
    if extra:
        return f"unknown field {extra[0]!r} (allowed: reason, until)"
    if unknown:
        return f"unknown control {unknown[0]!r}"
    if not directive.ids:
        return "no control named: write ignore[CCA205]"
    if not directive.reason:
        return 'a reason is required: reason="..."'
    if directive.until is not None and not is_date(directive.until):
        return f"until must be a date YYYY-MM-DD, found {directive.until!r}"
    if directive.file_wide and not in_header:
        return "ignore-file must stand in the file's first comment block"
    return _unsuppressible(directive.ids)


def is_date(text: str) -> bool:
    from datetime import date

    try:
        return bool(_DATE.fullmatch(text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


# ---- applying ------------------------------------------------------------------------


def apply(findings: list[Finding], lines: Sequence[str], evaluated: Iterable[str], file: str, repo_file: str,
          policy: Policy) -> list[Finding]:
    """The whole stage for one file: inline directives, then configuration waivers, then the baseline."""
    if policy.inline and has_directive(lines):
        from ccaudit.evaluate import number_occurrences

        found = apply_inline(findings, parse_directives(lines), lines, evaluated, (file, repo_file), policy.day())
        findings = number_occurrences(found)
    if policy.waivers:
        findings = apply_waivers(findings, policy.waivers, policy.day())
    return apply_baseline(findings, policy.baseline) if policy.baseline else findings


def suppressible_inline(finding: Finding) -> bool:
    return finding.id not in NOT_INLINE and finding.suppressible


def apply_inline(findings: list[Finding], directives: list[Directive], lines: Sequence[str],
                 evaluated: Iterable[str], file: tuple[str, str], today: str) -> list[Finding]:
    """``file`` is (displayed path, repository path)."""
    """Mark findings that a valid, unexpired directive covers; report bad (CCA005) and unused (CCA006) ones."""
    out: list[Finding] = []
    used: set[tuple[int, str]] = set()
    expired = {d.line for d in directives if d.problem is None and d.until is not None and d.until < today}
    problems = {d.line: f"expired on {d.until}" for d in directives if d.line in expired}
    for finding in findings:
        directive = next((d for d in _covering(directives, finding, lines)
                          if d.problem is None and finding.id in d.ids), None)
        if directive is None:
            out.append(finding)
            continue
        used.add((directive.line, finding.id))
        if not suppressible_inline(finding):  # a ruleset requires this control without exception
            problems[directive.line] = f"{finding.id} cannot be suppressed inline here: a ruleset forbids it"
            out.append(finding)
        elif directive.line in expired:
            out.append(finding._replace(message=f"{finding.message} (its suppression expired on {directive.until})"))
        else:
            out.append(finding._replace(suppressed=Suppression("inline", directive.reason, directive.until)))
    out.extend(_directive_findings(directives, used, problems, set(evaluated), file, lines))
    return out


def _covering(directives: list[Directive], finding: Finding, lines: Sequence[str]) -> list[Directive]:
    """Directives that apply at the finding's line: on it, in the comment block above it, file-wide."""
    line = finding.span.line
    above = line - 1
    while above >= 1 and lines[above - 1].lstrip().startswith("#"):
        above -= 1
    return [d for d in directives if d.file_wide or d.line == line or (d.own_line and above < d.line < line)]


def _directive_findings(directives: list[Directive], used: set[tuple[int, str]], problems: Mapping[int, str],
                        evaluated: set[str], file: tuple[str, str], lines: Sequence[str]) -> list[Finding]:
    out = []
    for d in directives:
        problem = d.problem or problems.get(d.line)
        if problem:
            out.append(_meta_finding("CCA005", d, f"invalid suppression: {problem}; it suppresses nothing", file, lines))
            continue
        for control_id in d.ids:
            if (d.line, control_id) not in used and control_id in evaluated:
                out.append(_meta_finding("CCA006", d, f"suppression of {control_id} matched no finding; remove it",
                                         file, lines))
    return out


def _unsuppressible(ids: Iterable[str]) -> str | None:
    for control_id in ids:
        control = catalog()[control_id]
        if control_id in NOT_INLINE or not control.suppressible:
            return f"{control_id} ({control.slug}) cannot be suppressed inline; only a configuration waiver can"
    return None


def _meta_finding(control_id: str, directive: Directive, message: str, file: tuple[str, str],
                  lines: Sequence[str]) -> Finding:
    """A finding about a suppression comment; its fingerprint is the comment's text, not its line."""
    from ccaudit.evaluate import fingerprint_of

    control = catalog()[control_id]
    source = lines[directive.line - 1] if directive.line <= len(lines) else ""
    shown, repo_file = file
    return Finding(control.id, control.slug, control.severity, shown, directive.span, "", None, message,
                   fingerprint=fingerprint_of((control.id, repo_file, source.strip())), source_line=source,
                   suppressible=False)


def apply_waivers(findings: list[Finding], waivers: Sequence[Waiver], today: str) -> list[Finding]:
    """Configuration waivers: they can set aside any control, and the finding still counts as suppressed."""
    out = []
    for finding in findings:
        waiver = next((w for w in waivers if w.control == finding.id and finding.suppressed is None
                       and (not w.paths or any(matches(finding.file, p) for p in w.paths))), None)
        if waiver is None:
            out.append(finding)
        elif waiver.until is not None and waiver.until < today:
            out.append(finding._replace(message=f"{finding.message} (its waiver expired on {waiver.until})"))
        else:
            out.append(finding._replace(suppressed=Suppression("config", waiver.reason, waiver.until)))
    return out


def apply_baseline(findings: list[Finding], baseline: Mapping[str, str]) -> list[Finding]:
    return [f._replace(suppressed=Suppression("baseline", "in the baseline"))
            if f.suppressed is None and f.fingerprint in baseline else f for f in findings]
