"""Helpers shared by the CI reporters: active findings, locations, citations, rule docs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from ccaudit.model import Finding, Requirement, RunResult

if TYPE_CHECKING:
    from ccaudit.rulesets import Control
    from ccaudit.rulesets import Requirement as RulesetRequirement

INFORMATION_URI = "https://github.com/ccaudit/ccaudit"
CONTROLS_URI = f"{INFORMATION_URI}/blob/main/rulesets/controls.yaml"


def active(result: RunResult) -> list[Finding]:
    """Unsuppressed findings, sorted by file, line, column, id."""
    return [f for f in result.findings if f.suppressed is None]


def repo_files(result: RunResult) -> dict[str, str]:
    """Shown path -> path relative to the repository root (the shown path when unknown)."""
    return {r.file: r.repo_file or r.file for r in result.files}


def cite(requirement: Requirement) -> str:
    """The requirement's citations, each once (per-parameter citations may repeat a reference)."""
    refs = (c.ref + ("" if c.verified else " [unverified]") for c in requirement.citations)
    return "; ".join(dict.fromkeys(refs))


def required_by(finding: Finding) -> str:
    """``hipaa: 45 CFR 164.316(b)(2)(i)`` for the binding rulesets (empty for input checks)."""
    return "; ".join(f"{r.ruleset}: {cite(r)}" for r in finding.binding)


def location(finding: Finding) -> str:
    return f"{finding.file}:{finding.span.line}:{finding.span.column}"


class ManifestGroup(NamedTuple):
    """The findings of one manifest (or of a file that has none, such as a parse error)."""

    file: str
    manifest: str | None
    controls: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return self.file if self.manifest is None else f"{self.file} ({self.manifest})"


def manifest_groups(result: RunResult, include_suppressed: bool = True) -> Iterator[ManifestGroup]:
    """One group per manifest in file order; findings outside any manifest get their file's group."""
    for file_result in sorted(result.files, key=lambda r: r.file):
        findings = sorted((f for f in file_result.findings if include_suppressed or f.suppressed is None),
                          key=lambda f: f.sort_key)
        names: list[str | None] = []
        for manifest in file_result.manifest_results:
            if manifest.name in names:
                continue
            names.append(manifest.name)
            controls = tuple(sorted({c for m in file_result.manifest_results if m.name == manifest.name
                                     for c in m.controls}))
            yield ManifestGroup(file_result.file, manifest.name, controls,
                                tuple(f for f in findings if f.manifest == manifest.name))
        rest = tuple(f for f in findings if f.manifest not in names)
        if rest or not names:
            yield ManifestGroup(file_result.file, None, (), rest)


class RuleDoc(NamedTuple):
    """A control of the catalog and the built-in rulesets that require it."""

    control: Control
    requirers: tuple[tuple[str, RulesetRequirement], ...]

    @property
    def rulesets(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.requirers)


def rule_docs() -> list[RuleDoc]:
    """Every control of the catalog, sorted by id."""
    from ccaudit.rulesets import BUILTIN, builtin, catalog

    rulesets = [builtin(name) for name in BUILTIN]
    return [RuleDoc(control, tuple((r.id, r.requirements[control.id]) for r in rulesets
                                   if control.id in r.requirements))
            for control in sorted(catalog().values(), key=lambda c: c.id)]
