"""Evaluate stage: one validated manifest x the merged requirements -> findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from sys import intern
from typing import Any, NamedTuple

from ccaudit.controls import ALWAYS_ON, CONTROLS, Check, Context, Hit
from ccaudit.controls.subjects import nothing_to_check
from ccaudit.loader import Document, LoadProblem, build_value, load_text, locate
from ccaudit.model import CATEGORIES, Basis, Finding, Path, Severity, Span, Upcoming, dotted, fingerprint_of
from ccaudit.regions import region_table
from ccaudit.rulesets import (
    Control,
    ControlStandard,
    Ruleset,
    When,
    applicable,
    builtin_ids,
    catalog,
    did_you_mean,
    personal_data,
    standard,
    upcoming,
)


class Selection(NamedTuple):
    """Which controls run: ``select``/``ignore`` are id or slug prefixes."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, control_id: str) -> bool:
        return _wants(self, control_id)


@cache
def _wants(selection: Selection, control_id: str) -> bool:
    """Asked per document and per finding: answered once per run and control."""
    control = catalog()[control_id]
    chosen = not selection.select or any(names(n, control) for n in selection.select)
    return chosen and not any(names(n, control) for n in selection.ignore)


def names(name: str, control: Control) -> bool:
    """``CCA2``, ``cca205`` and ``audit-log-retention-too-short`` all name CCA205."""
    return control.id.startswith(name.upper()) or control.slug == name.lower()


class Where(NamedTuple):
    """The file and manifest a finding belongs to."""

    file: str
    repo_path: str
    lines: list[str]
    document: Document
    manifest: str | None
    spans: dict[Span, Span]  # every span of the document's findings, once (a manifest's findings share a few)

    def span(self, span: Span) -> Span:
        return self.spans.setdefault(span, span)

    def source(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def fingerprint(self, control_id: str, path: Path, subject: str = "") -> str:
        """Control, repository path, manifest name, named path (and what at it, e.g. a category):
        no line, no offending value."""
        return fingerprint_of((control_id, self.repo_path, self.manifest or "", self.named(path), subject))

    def named(self, path: Path) -> str:
        return named_path(self.document.value, path)


def problem_finding(problem: LoadProblem, where: Where) -> Finding:
    """A load or schema problem (CCA001 to CCA004) as a finding."""
    control = catalog()[problem.control]
    return Finding(control.id, control.slug, control.severity, where.file, where.span(problem.span),
                   intern(dotted(problem.path)), where.manifest, intern(problem.message),
                   fingerprint=where.fingerprint(control.id, problem.path), source_line=where.source(problem.span.line),
                   suppressible=control.suppressible, named_path=intern(where.named(problem.path)))


INPUT_CONTROLS = ("CCA001", "CCA002", "CCA003", "CCA004")


class Scope(NamedTuple):
    """What a run judges manifests against: added rulesets, every built-in or the triggered ones,
    the controls chosen, and the day (and legal status) the law is taken as of."""

    extra: tuple[Ruleset, ...] = ()
    assume_all: bool = False
    selection: Selection = Selection()
    when: When = When()


class Facts(NamedTuple):
    """What the evidence report needs of one manifest besides its findings (recorded when asked)."""

    rulesets: tuple[str, ...]
    pd: tuple[str, ...]
    inapplicable: tuple[tuple[str, str], ...]


def evaluate(where: Where, scope: Scope, evaluated: list[str], pending: list[Upcoming],
             facts: list[Facts] | None = None) -> Iterator[Finding]:
    """Findings of one validated manifest; the ids of the controls that ran are appended to ``evaluated``,
    the requirements of its rulesets not yet in force to ``pending``, and (when ``facts`` is given) the
    rulesets applied and the controls with nothing to check to ``facts``."""
    manifest = where.document.value
    spec = manifest["spec"]
    pd = personal_data(spec)
    rulesets = applicable(manifest, pd, scope.extra, scope.assume_all)
    yield from _unknown_regulations(where, spec)
    merged = _standard(rulesets, pd, scope.when)
    pending.extend(_upcoming(rulesets, pd, scope.when))
    selection = scope.selection
    ctx = Context(spec, pd, region_table(), where.document.rejected, where.file)
    if facts is not None:
        facts.append(Facts(tuple(r.id for r in rulesets), pd, nothing_to_check(ctx, merged)))
    yield from _unreadable_sources(where, ctx)  # CCA001, reported like a file that cannot be read: always
    for control_id, check in _selected(selection):
        std = merged.get(control_id) or (_always_on(control_id) if control_id in ALWAYS_ON else None)
        if std is None:
            continue
        evaluated.append(control_id)
        for hit in check(ctx, std):
            yield _finding(hit, std, where, manifest)


def selection_problem(given: Iterable[str], ignoring: bool) -> str | None:
    """Why ``--select``/``--ignore`` values cannot be used: an unknown control, or switching off
    an unsuppressible one (only a configuration waiver may set that aside)."""
    controls = catalog().values()
    for name in given:
        chosen = [c for c in controls if names(name, c)]
        if not chosen:
            return f"unknown control {name!r}{did_you_mean(name)} (see `ccaudit rules`)"
        locked = next((c for c in chosen if ignoring and not c.suppressible), None)
        if locked is not None:
            return (f"{locked.id} ({locked.slug}) cannot be switched off; only a configuration waiver can "
                    "set it aside")
    return None


@cache
def _selected(selection: Selection) -> tuple[tuple[str, Check], ...]:
    return tuple((c, check) for c, check in (*ALWAYS_ON.items(), *CONTROLS.items()) if selection.wants(c))


_Key = tuple[tuple[Ruleset, ...], tuple[str, ...], When]
_STANDARDS: dict[_Key, dict[str, ControlStandard]] = {}
_UPCOMING: dict[_Key, tuple[Upcoming, ...]] = {}


def _standard(rulesets: tuple[Ruleset, ...], pd: tuple[str, ...], when: When) -> dict[str, ControlStandard]:
    """``standard`` once per combination of rulesets (by identity), personal data and date."""
    key = (rulesets, pd, when)
    if key not in _STANDARDS:
        _STANDARDS[key] = standard(rulesets, pd, when)
    return _STANDARDS[key]


def _upcoming(rulesets: tuple[Ruleset, ...], pd: tuple[str, ...], when: When) -> tuple[Upcoming, ...]:
    key = (rulesets, pd, when)
    if key not in _UPCOMING:
        _UPCOMING[key] = upcoming(rulesets, pd, when)
    return _UPCOMING[key]


def _always_on(control_id: str) -> ControlStandard:
    return ControlStandard(catalog()[control_id], (), {})


def _unknown_regulations(where: Where, spec: Mapping[str, Any]) -> Iterator[Finding]:
    names, builtins = spec.get("regulations"), builtin_ids()
    for j, name in enumerate(names if isinstance(names, list) else ()):
        if isinstance(name, str) and name not in builtins:
            path = ("spec", "regulations", j)
            message = f"unknown ruleset {name!r} in spec.regulations (built-in: {', '.join(builtins)})"
            yield problem_finding(LoadProblem("CCA002", locate(where.document.node, path), message, path), where)


def _unreadable_sources(where: Where, ctx: Context) -> Iterator[Finding]:
    """A tool's source or an MCP configuration that cannot be read is CCA001 at its key (fail closed)."""
    from ccaudit.controls.sources import unreadable

    for path, message in unreadable(ctx):
        yield problem_finding(LoadProblem("CCA001", locate(where.document.node, path), message, path), where)


def _finding(hit: Hit, std: ControlStandard, where: Where, manifest: Mapping[str, Any]) -> Finding:
    requirements, severity = _requirements(hit, std)
    span = where.span(locate(where.document.node, hit.path))
    control = std.control
    suppressible = control.suppressible and all(r.suppressible for r in std.requirements)
    # the texts repeat from manifest to manifest: one copy each (a file of 20,000 manifests holds
    # hundreds of thousands of findings until it is reported)
    return Finding(control.id, control.slug, max(severity, hit.severity or severity), where.file, span,
                   intern(dotted(hit.path)), where.manifest, intern(hit.message + _proposed(requirements, std)),
                   requirements, intern(hit.remediation),
                   where.fingerprint(control.id, hit.path, hit.subject), where.source(span.line),
                   suppressible=suppressible, named_path=intern(where.named(hit.path)),
                   fix=hit.fix._replace(document=where.document.index) if hit.fix else None)


def _proposed(requirements: tuple[Basis, ...], std: ControlStandard) -> str:
    """`` (proposed rule: hipaa)`` when a binding requirement is only proposed (a preview)."""
    proposed = {r.ruleset for r in std.requirements if r.proposed}
    named = sorted(proposed & {r.ruleset for r in requirements if r.binding}) if requirements else []
    return f" (proposed rule: {', '.join(named)}; not in force)" if named else ""


_REQUIREMENTS: dict[tuple[Basis, ...], tuple[Basis, ...]] = {}


def _requirements(hit: Hit, std: ControlStandard) -> tuple[tuple[Basis, ...], Severity]:
    """Each requiring ruleset's own value, which of them bind, and the finding's severity.

    Equal requirement lists are shared between findings (most findings carry one of a few).
    """
    if not std.requirements:
        return (), std.control.severity
    effective = std.parameters.get(hit.param) if hit.param else None
    if effective is None:
        out = tuple(Basis(r.ruleset, r.refs()) for r in std.requirements)
        return _REQUIREMENTS.setdefault(out, out), std.severity
    breaks: Callable[[Any], bool] = hit.breaks or (lambda _: True)
    out_list, broken = [], []
    for r in std.requirements:
        if r.ruleset not in effective.by_ruleset:
            continue
        own = effective.by_ruleset[r.ruleset]
        is_broken = breaks(own)
        binds = is_broken and (effective.merge == "union" or own == effective.value)
        value = tuple(own) if isinstance(own, list) else own
        out_list.append(Basis(r.ruleset, r.refs(hit.param), value, binds, is_broken))
        if is_broken:
            broken.append(r.severity)
    out = tuple(out_list)
    return _REQUIREMENTS.setdefault(out, out), max(broken, default=std.severity)


@cache
def checked_keys() -> Mapping[str, tuple[str, ...]]:
    """Per control, the manifest keys it checks: the paths it names on a manifest that sets nothing
    but every data category (every ruleset applied). Controls of list items (tools, vendors) have none."""
    text = ("apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: {name: x, owner: x}\n"
            f"spec: {{dataCategories: [{', '.join(CATEGORIES)}]}}\n")
    document = load_text(text)[0][0]
    build_value(document)
    keys: dict[str, dict[str, None]] = {}
    for finding in evaluate(Where("", "", [], document, None, {}), Scope(assume_all=True), [], []):
        keys.setdefault(finding.id, {})[finding.named_path] = None
    return {control: tuple(paths) for control, paths in keys.items()}


# ---- fingerprints --------------------------------------------------------------------


def named_path(value: Any, path: Path) -> str:
    """``spec.tools[crm.lookup_customer].scopes[crm:*]``: list items by name, never by index."""
    out, node = "", value
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            label = item.get("name") if isinstance(item, dict) else item
            out += f"[{label if isinstance(label, (str, int, float)) else part}]"
            node = item
        else:
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out
