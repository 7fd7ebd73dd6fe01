"""Helpers shared by the reporters: active findings, locations, the binding citations, manifest groups."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ccaudit.model import Finding, RunResult
from ccaudit.render import cite

INFORMATION_URI = "https://github.com/ccaudit/ccaudit"
CONTROLS_URI = f"{INFORMATION_URI}/blob/main/rulesets/controls.yaml"


ENCODER = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps with options makes one per call


def json_list(items: Iterable[object], depth: int = 0, indent: int = 2, flat: bool = False) -> Iterator[str]:
    """``json.dumps(list(items), indent=indent)`` as it reads ``depth`` levels deep in a document,
    an item at a time (a report of many findings is never held whole); ``flat``: each item on one
    line (written by json's C encoder, which an indented dump does not use)."""
    pad = "\n" + " " * indent * (depth + 1)
    opening = "["
    for item in items:
        text = ENCODER.encode(item) if flat else json.dumps(item, indent=indent, ensure_ascii=False).replace("\n", pad)
        yield opening + pad + text
        opening = ","
    yield "[]" if opening == "[" else "\n" + " " * indent * depth + "]"


def chunked(lines: Iterable[str], size: int = 2000) -> Iterator[str]:
    """``lines`` as text (each ending in a newline), a few thousand lines a piece."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


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
    """One group per manifest in file order; findings outside any manifest get their file's group.
    Manifests of one name in one file are one group. One pass over each file's findings."""
    for file_result in sorted(result.files, key=lambda r: r.file):
        controls: dict[str | None, tuple[str, ...]] = {}
        for manifest in file_result.manifest_results:
            known = controls.get(manifest.name)
            controls[manifest.name] = tuple(sorted({*known, *manifest.controls})) if known else manifest.controls
        grouped: dict[str | None, list[Finding]] = {name: [] for name in controls}
        rest: list[Finding] = []
        for f in sorted(file_result.findings, key=lambda f: f.sort_key):
            if include_suppressed or f.suppressed is None:
                grouped.get(f.manifest, rest).append(f)
        for name, ran in controls.items():
            yield ManifestGroup(file_result.file, name, ran, tuple(grouped[name]))
        if rest or not controls:
            yield ManifestGroup(file_result.file, None, (), tuple(rest))
