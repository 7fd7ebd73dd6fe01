"""Suppress stage (pure): findings + inline directives + config waivers + baseline -> findings
marked suppressed, plus CCA005/CCA006 findings about the suppressions themselves.

Inline: ``# ccaudit: ignore[CCA205,no-log-review] reason="..." until=2027-06-30`` on the
finding's line or alone in the comment block directly above it; ``ignore-file[...]`` in the
file's first comment block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode

from ccaudit.globs import matches
from ccaudit.model import Finding, Policy, Span, Suppression, Waiver, fingerprint_of, number_occurrences
from ccaudit.rulesets import catalog, find_control

NOT_INLINE = frozenset({"CCA001", "CCA005", "CCA006"})
_ADDRESSED = re.compile(r"#\s*ccaudit\b")  # a comment speaking to ccaudit, well-formed or not
_SYNTAX = re.compile(r"#\s*ccaudit:\s(?P<kind>ignore|ignore-file)\[(?P<ids>[^\]]*)\](?P<rest>.*)$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The words of a directive's fields. Each alternative starts with its own character and
# runs of ordinary characters match at once ("unrolled" loops), so matching is linear.
_BLANKS = re.compile(r"\s*")
_DOUBLE = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_WORD = re.compile(rf"""(?:{_DOUBLE}|'[^']*'|\\.|[^\s"'\\]+)+""", re.DOTALL)
_PIECE = re.compile(r""""(?P<double>[^"\\]*(?:\\.[^"\\]*)*)"|'(?P<single>[^']*)'"""
                    r"""|\\(?P<escaped>.)|(?P<plain>[^"'\\]+)""", re.DOTALL)
_DOUBLE_ESCAPE = re.compile(r'\\(["\\])')  # inside "...", a backslash escapes only " and itself


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


class Commented(NamedTuple):
    """What the inline stage reads of a file: its lines, whether one is a ``# ccaudit`` comment
    (``has_directive``), where its quoted and block scalars lie (``quoted_regions`` of each
    document, in order), and the line reading stopped at, if any."""

    lines: Sequence[str]
    directive: bool
    quoted: Sequence[Region]
    stop: int | None = None


def comment_columns(commented: Commented) -> dict[int, int]:
    """Line number -> the 0-based column where that line's YAML comment begins.

    A ``#`` at the start of a line or after a blank begins a comment unless a quoted or block
    scalar covers it: the composed nodes' marks say where those are, so text inside
    ``|``, ``>``, ``'...'`` or ``"..."`` (on one line or several, in flow or block style) is never
    read as a comment. Lines from ``stop`` on (where the YAML could not be read) are left out.
    One pass over the lines and one over the regions.
    """
    lines, _, regions, stop = commented
    columns: dict[int, int] = {}
    k = 0
    for number, text in enumerate(lines[: None if stop is None else stop - 1], 1):
        index = text.find("#")
        while index != -1:
            if index == 0 or text[index - 1] in " \t":
                where = (number - 1, index)
                while k < len(regions) and regions[k][1] <= where:
                    k += 1
                if k == len(regions) or where < regions[k][0]:
                    columns[number] = index
                    break
            index = text.find("#", index + 1)
    return columns


Mark = tuple[int, int]  # 0-based (line, column), as libyaml counts them
Region = tuple[Mark, Mark]


def quoted_regions(root: Node) -> list[Region]:
    """Where one document's quoted and block scalars lie, sorted; a block scalar's text starts
    on the line after its ``|`` or ``>`` (a comment may follow the indicator). Plain scalars
    cannot hold a comment (``" #"`` ends them) and are left out."""
    regions: list[Region] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: its marks are its anchor's
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.style:
                start, end = node.start_mark, node.end_mark
                first = (start.line + 1, 0) if node.style in "|>" else (start.line, start.column)
                regions.append((first, (end.line, end.column)))
        elif isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        else:
            stack.extend(node.value)
    return sorted(regions)


def comment_only(lines: Sequence[str], columns: Mapping[int, int], number: int) -> bool:
    """Whether line ``number`` holds a comment and nothing else."""
    column = columns.get(number)
    return column is not None and not lines[number - 1][:column].strip()


def parse_directives(lines: Sequence[str], columns: Mapping[int, int]) -> list[Directive]:
    header = _first_comment_block(lines, columns)
    found = []
    for number, start in columns.items():
        text = lines[number - 1]
        if _ADDRESSED.match(text, start):
            span = Span(number, start + 1, number, len(text) + 1)
            found.append(_parse(text[start:], number, span, not text[:start].strip(), number <= header))
    return found


def _first_comment_block(lines: Sequence[str], columns: Mapping[int, int]) -> int:
    """The last line number of the leading comment (and blank or ``---``) lines."""
    for number, text in enumerate(lines, 1):
        if text.strip() not in ("", "---") and not comment_only(lines, columns, number):
            return number - 1
    return len(lines)


def _parse(comment: str, line: int, span: Span, own_line: bool, in_header: bool) -> Directive:
    match = _SYNTAX.match(comment)
    if match is None:
        return Directive(line, span, False, own_line, problem="malformed suppression: write "
                         '# ccaudit: ignore[CCA205] reason="..." [until=YYYY-MM-DD]')
    file_wide = match["kind"] == "ignore-file"
    try:
        fields = dict(_field(token) for token in _tokens(match["rest"]))
    except ValueError as exc:
        return Directive(line, span, file_wide, own_line, problem=f"malformed suppression: {exc}")
    ids, unknown = _control_ids(match["ids"])
    directive = Directive(line, span, file_wide, own_line, ids, fields.pop("reason", "").strip(),
                          fields.pop("until", None))
    problem = _problem(directive, unknown, sorted(fields), in_header)
    return directive._replace(problem=problem) if problem else directive


def _tokens(text: str) -> Iterator[str]:
    """Shell-like words (``reason="two words"``), up to a ``#`` that starts a word; linear in
    the text (each character is looked at a bounded number of times)."""
    position = _BLANKS.match(text).end()  # type: ignore[union-attr]
    while position < len(text) and text[position] != "#":
        match = _WORD.match(text, position)
        end = match.end() if match else position
        if end < len(text) and not text[end].isspace():
            raise ValueError("No closing quotation" if text[end] in "\"'" else "No escaped character")
        yield _PIECE.sub(_unquote, text[position:end])
        position = _BLANKS.match(text, end).end()  # type: ignore[union-attr]


def _unquote(piece: re.Match[str]) -> str:
    if piece["double"] is not None:
        return _DOUBLE_ESCAPE.sub(r"\1", piece["double"])
    return next(p for p in (piece["single"], piece["escaped"], piece["plain"]) if p is not None)


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


def apply(findings: list[Finding], text: Commented, has_manifest: bool, evaluated: Iterable[str], file: str,
          repo_file: str, policy: Policy) -> list[Finding]:
    """The whole stage for one file: inline directives (only in a file with a manifest: any
    other YAML may say ``# ccaudit`` for its own reasons), then configuration waivers, then
    the baseline."""
    if policy.inline and has_manifest and text.directive:
        columns = comment_columns(text)
        found = apply_inline(findings, parse_directives(text.lines, columns), Source(text.lines, columns), evaluated,
                             (file, repo_file), policy.day())
        findings = number_occurrences(found)
    if policy.waivers:
        findings = apply_waivers(findings, policy.waivers, policy.day(), file)
    return apply_baseline(findings, policy.baseline) if policy.baseline else findings


class Source(NamedTuple):
    """A file's lines and where their comments begin."""

    lines: Sequence[str]
    columns: Mapping[int, int]


def suppressible_inline(finding: Finding) -> bool:
    return finding.id not in NOT_INLINE and finding.suppressible


def apply_inline(findings: list[Finding], directives: list[Directive], source: Source,
                 evaluated: Iterable[str], file: tuple[str, str], today: str) -> list[Finding]:
    """Mark findings that a valid, unexpired directive covers; report bad (CCA005) and unused (CCA006) ones.

    ``file`` is (displayed path, repository path)."""
    out: list[Finding] = []
    used: set[tuple[int, str]] = set()
    expired = {d.line for d in directives if d.problem is None and d.until is not None and d.until < today}
    problems = {d.line: f"expired on {d.until}" for d in directives if d.line in expired}
    for finding in findings:
        directive = next((d for d in _covering(directives, finding, source)
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
            suppression = Suppression("inline", directive.reason, directive.until, directive.line)
            out.append(finding._replace(suppressed=suppression))
    out.extend(_directive_findings(directives, used, problems, set(evaluated), file, source.lines))
    return out


def _covering(directives: list[Directive], finding: Finding, source: Source) -> list[Directive]:
    """Directives that apply at the finding's line: on it, in the comment block above it, file-wide."""
    line = finding.span.line
    above = line - 1
    while above >= 1 and comment_only(source.lines, source.columns, above):
        above -= 1
    return [d for d in directives if d.file_wide or d.line == line or (d.own_line and above < d.line < line)]


def _directive_findings(directives: list[Directive], used: set[tuple[int, str]], problems: Mapping[int, str],
                        evaluated: set[str], file: tuple[str, str], lines: Sequence[str]) -> list[Finding]:
    out = []
    for d in directives:
        problem = d.problem or problems.get(d.line)
        if problem:
            message = f"invalid suppression: {problem}; it suppresses nothing"
            out.append(_meta_finding("CCA005", d, message, file, lines))
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

    control = catalog()[control_id]
    source = lines[directive.line - 1] if directive.line <= len(lines) else ""
    shown, repo_file = file
    return Finding(control.id, control.slug, control.severity, shown, directive.span, "", None, message,
                   fingerprint=fingerprint_of((control.id, repo_file, source.strip())), source_line=source,
                   suppressible=False)


def apply_waivers(findings: list[Finding], waivers: Sequence[Waiver], today: str, file: str) -> list[Finding]:
    """Configuration waivers on one file's findings: they can set aside any control, and the finding
    still counts as suppressed."""
    here = [w for w in waivers if not w.paths or any(matches(file, p) for p in w.paths)]  # once per file
    out = []
    for finding in findings:
        waiver = next((w for w in here if w.control == finding.id and finding.suppressed is None), None)
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
