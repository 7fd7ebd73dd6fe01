"""The evidence report (cli.md, "Evidence report"): what an auditor asks of a set of manifests.

A view of one run's result (``RunConfig.evidence`` recorded each manifest's rulesets, personal
data and controls with nothing to check) plus the law: per ruleset that applies to at least one
manifest, each of its requirements x each manifest with a status judged against that ruleset's
own requirement; scores; the exception register; upcoming obligations; input problems apart.
Nothing here runs a stage; the formats (``evidence.formats``) render an ``Evidence``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import compress
from operator import add, attrgetter
from typing import Any, NamedTuple

from ccaudit.model import Finding, ManifestResult, RunResult, Upcoming, Waiver
from ccaudit.rulesets import (
    Control,
    ControlRequirement,
    Ruleset,
    When,
    builtin,
    catalog,
    resolve_value,
    standard,
)

STATUSES = ("pass", "fail", "waived", "suppressed", "baselined", "not_applicable", "upcoming")
APPLICABLE = frozenset(STATUSES[:5])  # the cells a score counts (a waiver never counts as a pass)
INPUT_PROBLEMS = frozenset(f"CCA{n:03d}" for n in range(1, 11))
BY_KIND = {"config": "waived", "inline": "suppressed", "baseline": "baselined"}
HORIZON_DAYS = 180  # upcoming obligations listed this far ahead
_STATUS = attrgetter("status")


class Column(NamedTuple):
    """One manifest: a column of the matrix."""

    file: str
    name: str | None
    result: ManifestResult
    findings: tuple[Finding, ...]  # all of its findings, suppressed ones too

    @property
    def label(self) -> str:
        return f"{self.file} ({self.name})" if self.name else self.file

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Its input problems (CCA001-CCA010): they belong to no ruleset."""
        return tuple(f for f in self.findings if f.id in INPUT_PROBLEMS)


class Cell(NamedTuple):
    status: str
    reason: str = ""  # not_applicable: why; upcoming: the date it comes into force
    findings: tuple[Finding, ...] = ()  # fail: the unsuppressed ones; an exception: the quieted ones


class Row(NamedTuple):
    """One requirement (control) of one ruleset, one cell per manifest."""

    requirement: ControlRequirement
    control: Control
    upcoming: bool  # not yet effective on the report's day
    cells: tuple[Cell, ...]
    counts: Mapping[str, int]  # cells per status


class Section(NamedTuple):
    ruleset: Ruleset
    rows: tuple[Row, ...]


class Exemption(NamedTuple):
    """An entry of the exception register: a configuration waiver or an inline suppression."""

    kind: str  # waiver | inline
    controls: tuple[str, ...]
    reason: str
    until: str | None
    where: str  # "configuration: PATHS" or FILE:LINE
    expired: bool
    days_left: int | None  # negative: expired that many days ago; None: no expiry
    findings: int  # findings it quiets (an expired one: that it would)


class Evidence(NamedTuple):
    as_of: str
    columns: tuple[Column, ...]
    sections: tuple[Section, ...]
    register: tuple[Exemption, ...]
    upcoming: tuple[Upcoming, ...]  # within HORIZON_DAYS
    orphans: tuple[Finding, ...]  # input problems outside any manifest (a file that does not parse)
    when: When
    known: Mapping[str, Ruleset]  # every ruleset a manifest applied, by id

    # The matrix has a cell per requirement and manifest (848,000 at 10,000 manifests): the passes
    # over it below iterate with map, zip and Counter, not a Python loop per cell.

    def score(self, cells: Iterable[Cell]) -> tuple[int, int]:
        """(passing, applicable) requirements."""
        return score_of(statuses(cells))

    def column_scores(self) -> list[tuple[int, int]]:
        """(passing, applicable) per manifest, in one pass over the matrix."""
        passing, applicable = [0] * len(self.columns), [0] * len(self.columns)
        for row in (r for s in self.sections for r in s.rows):
            statuses = list(map(_STATUS, row.cells))
            applicable = list(map(add, applicable, map(APPLICABLE.__contains__, statuses)))
            passing = list(map(add, passing, map("pass".__eq__, statuses)))
        return list(zip(passing, applicable, strict=True))

    def total_score(self) -> tuple[int, int]:
        return score_of(tally(r for s in self.sections for r in s.rows))

    def failed(self) -> set[tuple[str, str | None, str]]:
        """(file, manifest, control) of every failed requirement and unsuppressed input problem."""
        out = {(c.file, c.name, row.control.id) for s in self.sections for row in s.rows
               for c in compress(self.columns, map("fail".__eq__, map(_STATUS, row.cells)))}
        problems = [*(f for c in self.columns for f in c.problems), *self.orphans]
        return out | {(f.file, f.manifest, f.id) for f in problems if f.suppressed is None}

    def most_failed(self, rows: Iterable[Row]) -> tuple[str, int] | None:
        """The control that fails on the most manifests, and on how many."""
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.control.id] = max(counts.get(row.control.id, 0), row.counts.get("fail", 0))
        best = max(sorted(counts.items()), key=lambda kv: kv[1], default=None)
        return best if best is not None and best[1] else None

    def effective(self, column: Column, control: str) -> dict[str, Any]:
        """The merged (effective) values of ``control``'s parameters on ``column``'s manifest."""
        rulesets = tuple(self.known[r] for r in column.result.rulesets)
        return _merged(rulesets, column.result.pd, self.when).get(control, {})


def tally(rows: Iterable[Row]) -> Counter[str]:
    """How many cells of ``rows`` have each status (each row counted when it was judged)."""
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row.counts)
    return total


def statuses(cells: Iterable[Cell]) -> Counter[str]:
    """How many cells have each status."""
    return Counter(map(_STATUS, cells))


def score_of(counted: Counter[str]) -> tuple[int, int]:
    """(passing, applicable) of cells counted by status."""
    return counted["pass"], sum(counted[s] for s in APPLICABLE)


_MERGED: dict[tuple[tuple[Ruleset, ...], tuple[str, ...], When], dict[str, dict[str, Any]]] = {}


def _merged(rulesets: tuple[Ruleset, ...], pd: tuple[str, ...], when: When) -> dict[str, dict[str, Any]]:
    """Per control, its parameters' effective values: once per combination (rulesets by identity)."""
    key = (rulesets, pd, when)
    if key not in _MERGED:
        merged = standard(rulesets, pd, when)
        _MERGED[key] = {c: {name: e.value for name, e in std.parameters.items()} for c, std in merged.items()}
    return _MERGED[key]


def own_values(requirement: ControlRequirement, pd: tuple[str, ...]) -> dict[str, Any]:
    """A ruleset's own values of a control's parameters for a manifest of personal data ``pd``."""
    return {name: resolve_value(value, pd) for name, value in requirement.parameters.items()}


def binds(evidence: Evidence, row: Row, column: Column) -> bool:
    """Whether this ruleset sets the effective value of some parameter on this manifest."""
    effective = evidence.effective(column, row.control.id)
    own = own_values(row.requirement, column.result.pd)
    return any(effective.get(name) == value for name, value in own.items()) if own else True


# ---- building ------------------------------------------------------------------------


def build(result: RunResult, extra: Sequence[Ruleset], waivers: Sequence[Waiver], when: When) -> Evidence:
    """The evidence of a run whose configuration had ``evidence`` set (``extra``: --ruleset's)."""
    as_of = when.as_of or result.as_of or date.today().isoformat()
    columns = _columns(result)
    known = {r.id: r for r in extra}
    ids = _ruleset_ids(columns, extra)
    manifests = _manifests([_seen(c) for c in columns])
    sections = tuple(Section(r, _rows(r, manifests, when)) for r in (known.get(i) or builtin(i) for i in ids))
    keys = {(c.file, c.name) for c in columns}
    orphans = tuple(f for f in result.findings if (f.file, f.manifest) not in keys)
    applied = {r for c in columns for r in c.result.rulesets}
    return Evidence(as_of, columns, sections, register(result, waivers, as_of), _soon(result.upcoming, as_of),
                    orphans, when._replace(as_of=as_of), {r: known.get(r) or builtin(r) for r in applied})


def _columns(result: RunResult) -> tuple[Column, ...]:
    out = []
    for file in result.files:
        seen: set[str | None] = set()
        for manifest in file.manifest_results:
            if manifest.name not in seen:  # a name given twice in one file: one column
                seen.add(manifest.name)
                out.append(Column(file.file, manifest.name, manifest,
                                  tuple(f for f in file.findings if f.manifest == manifest.name)))
    return tuple(out)


def _ruleset_ids(columns: Sequence[Column], extra: Sequence[Ruleset]) -> list[str]:
    """The rulesets that apply to at least one manifest: built-ins in their order, then added ones."""
    applied = {r for c in columns for r in c.result.rulesets}
    from ccaudit.rulesets import builtin_ids

    order, builtins = {r.id: i for i, r in enumerate(extra)}, {r: i for i, r in enumerate(builtin_ids())}
    return sorted(applied, key=lambda r: (r in order, order.get(r, 0), builtins.get(r, 0)))


class _Seen(NamedTuple):
    """What judging a manifest's cells looks up, gathered once per manifest (not once per cell)."""

    rulesets: frozenset[str]
    controls: frozenset[str]
    inapplicable: Mapping[str, str]
    findings: Mapping[str, list[Finding]]  # by control
    blocked: bool  # no ruleset applied because of an unsuppressed input problem

    @property
    def kind(self) -> tuple[Any, ...]:
        """Manifests of one kind get the same cell wherever they have no finding."""
        return self.rulesets, self.controls, tuple(sorted(self.inapplicable.items())), self.blocked


def _seen(column: Column) -> _Seen:
    findings: dict[str, list[Finding]] = {}
    for finding in column.findings:
        findings.setdefault(finding.id, []).append(finding)
    manifest = column.result
    blocked = not manifest.rulesets and any(f.suppressed is None for f in column.problems)
    return _Seen(frozenset(manifest.rulesets), frozenset(manifest.controls), dict(manifest.inapplicable), findings,
                 blocked)


class _Manifests(NamedTuple):
    """The columns as judging sees them: each manifest, its kind, one manifest of each kind without
    findings, and per control the manifests with a finding of it."""

    seen: Sequence[_Seen]
    kind_of: list[int]
    kinds: list[_Seen]
    failing: Mapping[str, list[int]]


def _manifests(columns: Sequence[_Seen]) -> _Manifests:
    by_kind: dict[tuple[Any, ...], int] = {}
    kind_of = [by_kind.setdefault(c.kind, len(by_kind)) for c in columns]
    first = {k: i for i, k in reversed(list(enumerate(kind_of)))}
    failing: dict[str, list[int]] = {}
    for i, seen in enumerate(columns):
        for control in seen.findings:
            failing.setdefault(control, []).append(i)
    return _Manifests(columns, kind_of, [columns[first[k]]._replace(findings={}) for k in range(len(by_kind))],
                      failing)


def _rows(ruleset: Ruleset, manifests: _Manifests, when: When) -> tuple[Row, ...]:
    rows = []
    for control in catalog().values():
        requirement = ruleset.requirements.get(control.id)
        if requirement is None or (requirement.proposed and not when.include_proposed):
            continue
        pending = when.pending(requirement)
        cells = _row_cells(ruleset.id, requirement, pending, manifests)
        rows.append(Row(requirement, control, pending, cells, statuses(cells)))
    return tuple(rows)


def _row_cells(ruleset: str, requirement: ControlRequirement, pending: bool, manifests: _Manifests) -> tuple[Cell, ...]:
    """A requirement's cells: judged once per kind of manifest (a report of 10,000 manifests has a
    few kinds), and per manifest where it has a finding of the control."""
    judged = [_cell(ruleset, requirement, pending, seen) for seen in manifests.kinds]
    cells = [judged[k] for k in manifests.kind_of]
    for i in manifests.failing.get(requirement.control, ()):
        cells[i] = _cell(ruleset, requirement, pending, manifests.seen[i])
    return tuple(cells)


_SHARED: dict[Cell, Cell] = {}  # most cells are one of a few: shared, not made per manifest
_PASS = Cell("pass")
_NOT_APPLYING = Cell("not_applicable", "the ruleset does not apply")
_BLOCKED = Cell("not_applicable", "not evaluated: input problem")
_NOT_SELECTED = Cell("not_applicable", "control not selected (--select/--ignore)")


def _cell(ruleset: str, requirement: ControlRequirement, pending: bool, seen: _Seen) -> Cell:
    cell = _judge(ruleset, requirement, pending, seen)
    return cell if cell.findings else _SHARED.setdefault(cell, cell)


def _judge(ruleset: str, requirement: ControlRequirement, pending: bool, seen: _Seen) -> Cell:
    control = requirement.control
    if ruleset not in seen.rulesets:
        return _BLOCKED if seen.blocked else _NOT_APPLYING
    if pending:
        return Cell("upcoming", requirement.effective or "")
    if control not in seen.controls:
        return _NOT_SELECTED
    findings = seen.findings.get(control, ())
    mine = tuple(f for f in findings if any(b.ruleset == ruleset and b.broken for b in f.requirements))
    active = tuple(f for f in mine if f.suppressed is None)
    if active:
        return Cell("fail", "", active)
    if mine:
        kinds = {BY_KIND[f.suppressed.kind] for f in mine if f.suppressed is not None}
        return Cell(next(s for s in STATUSES if s in kinds), "", mine)
    why = seen.inapplicable.get(control)
    return Cell("not_applicable", why) if why else _PASS


def _soon(upcoming: Iterable[Upcoming], as_of: str) -> tuple[Upcoming, ...]:
    horizon = (date.fromisoformat(as_of) + timedelta(days=HORIZON_DAYS)).isoformat()
    return tuple(u for u in upcoming if u.effective <= horizon)


# ---- the exception register ----------------------------------------------------------

_EXPIRED = re.compile(r"expired on (\d{4}-\d{2}-\d{2})")
_REASON = re.compile(r"""reason=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))""")


def register(result: RunResult, waivers: Sequence[Waiver], as_of: str) -> tuple[Exemption, ...]:
    """Every waiver and inline suppression, expired ones first, then by expiry."""
    findings = result.findings
    entries = [_waiver(w, findings, as_of) for w in waivers]
    entries += _inline(findings, as_of)
    return tuple(sorted(entries, key=lambda e: (not e.expired, e.until or "9999", e.where, e.controls)))


def _days_left(until: str | None, as_of: str) -> int | None:
    return None if until is None else (date.fromisoformat(until) - date.fromisoformat(as_of)).days


def _waiver(waiver: Waiver, findings: Sequence[Finding], as_of: str) -> Exemption:
    expired = waiver.until is not None and waiver.until < as_of
    if expired:
        note = f"its waiver expired on {waiver.until}"
        quieted = [f for f in findings if f.id == waiver.control and note in f.message]
    else:
        quieted = [f for f in findings if f.id == waiver.control and f.suppressed is not None
                   and f.suppressed.kind == "config" and f.suppressed.reason == waiver.reason]
    where = "configuration: " + (", ".join(waiver.paths) or "every path")
    return Exemption("waiver", (waiver.control,), waiver.reason, waiver.until, where, expired,
                     _days_left(waiver.until, as_of), len(quieted))


def _inline(findings: Sequence[Finding], as_of: str) -> list[Exemption]:
    """Inline suppressions in use (by directive), and expired ones (their CCA005 findings)."""
    groups: dict[tuple[str, int], list[Finding]] = {}
    for f in findings:
        if f.suppressed is not None and f.suppressed.kind == "inline":
            groups.setdefault((f.file, f.suppressed.line), []).append(f)
    out = []
    for (file, line), quieted in groups.items():
        s = quieted[0].suppressed
        assert s is not None
        out.append(Exemption("inline", tuple(sorted({f.id for f in quieted})), s.reason, s.until, f"{file}:{line}",
                             False, _days_left(s.until, as_of), len(quieted)))
    for f in findings:
        expired = _EXPIRED.search(f.message) if f.id == "CCA005" else None
        if expired:
            reason = _REASON.search(f.source_line)
            text = next((g for g in reason.groups() if g is not None), "") if reason else ""
            out.append(Exemption("inline", _directive_ids(f.source_line), text, expired.group(1),
                                 f"{f.file}:{f.span.line}", True, _days_left(expired.group(1), as_of), 0))
    return out


def _directive_ids(comment: str) -> tuple[str, ...]:
    found = re.search(r"\[([^\]]*)\]", comment)
    return tuple(p.strip() for p in found.group(1).split(",") if p.strip()) if found else ()
