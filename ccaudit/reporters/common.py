"""Helpers shared by the reporters: active findings, locations, the binding citations, manifest groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ccaudit.model import Finding, RunResult
from ccaudit.render import cite

INFORMATION_URI = "https://github.com/ccaudit/ccaudit"
CONTROLS_URI = f"{INFORMATION_URI}/blob/main/rulesets/controls.yaml"


def active(result: RunResult) -> list[Finding]:
    """Unsuppressed findings, sorted by file, line, column, id."""
    return [f for f in result.findings if f.suppressed is None]


def repo_files(result: RunResult) -> dict[str, str]:
    """Shown path -> path relative to the repository root (the shown path when unknown)."""
    return {r.file: r.repo_file or r.file for r in result.files}


def required_by(finding: Finding) -> str:
    """``hipaa: 45 CFR 164.316(b)(2)(i)`` for the binding rulesets (empty for input checks)."""
    return "; ".join(f"{r.ruleset}: {cite(r.citations)}" for r in finding.binding)


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
