"""``ccaudit fix``: the settings the evaluation itself names (``Finding.fix``) written back, only tighter.

Each file is checked as ``check`` does (same configuration, rulesets, date, suppressions); the
fixes of its unsuppressed findings pass the guard (never a fact, never looser) and are written
through ruamel.yaml's round trip; the file is checked again, and fixes the first ones made
possible (raising audit-log retention may ask for pseudonymised logs) are applied in turn.
A rewrite that would add a finding is dropped: the file is left as it was. Nothing is printed
and nothing written here; the CLI does both.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

from ccaudit.authoring import yamlrt
from ccaudit.authoring.guard import refusal
from ccaudit.discover import STDIN, Candidate, discover
from ccaudit.files import read_bytes
from ccaudit.loader import load_bytes, load_text
from ccaudit.model import FileResult, Finding, Fix, RunResult
from ccaudit.pipeline import RunConfig, check_candidate, check_loaded

ROUNDS = 4  # a fix can make another control's fix needed; a few rounds reach the fixed point
UNPARSED = ("CCA001", "CCA003")  # a file that does not parse or has a duplicate key is not touched


class FileFix(NamedTuple):
    """One file: what it was, what it becomes (None: left alone), what was fixed and what is left."""

    path: str
    before: FileResult
    after: FileResult
    old: bytes = b""
    new: bytes | None = None
    untouched: str | None = None  # why a file with fixable findings was left alone

    @property
    def fixed(self) -> tuple[Finding, ...]:
        left = {f.fingerprint for f in _active(self.after.findings)}
        return tuple(f for f in _active(self.before.findings) if f.fingerprint not in left)

    @property
    def remaining(self) -> tuple[Finding, ...]:
        """The findings that need a person, located in the file as it now is on disk."""
        return _active(self.after.findings)

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.old


def _active(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.suppressed is None)


def fix_run(config: RunConfig) -> tuple[FileFix, ...]:
    """Every file of the run, fixed in memory (sorted by file)."""
    fixes = [fix_candidate(c, config) for c in discover(config.paths, config.exclude) if c.path != STDIN]
    return tuple(sorted(fixes, key=lambda f: f.before.file))


def fix_candidate(candidate: Candidate, config: RunConfig) -> FileFix:
    before = check_candidate(candidate, config)
    plain = FileFix(candidate.path, before, before)
    if not any(f.fix for f in _active(before.findings)):
        return plain
    if any(f.id in UNPARSED for f in before.findings):
        return plain._replace(untouched="it does not parse as a whole (CCA001/CCA003); fix that first")
    data = read_bytes(candidate.path, config.max_bytes)
    if len(data) > config.max_bytes:  # never rewrite from a part of a file
        return plain._replace(untouched="it is larger than the size limit")
    outcome = _rewrite(data, before, config)
    if isinstance(outcome, str):
        return plain._replace(old=data, untouched=outcome)
    new, after = outcome
    return FileFix(candidate.path, before, after, data, new)


def _rewrite(data: bytes, before: FileResult, config: RunConfig) -> tuple[bytes, FileResult] | str:
    decoded = yamlrt.decode(data)
    if isinstance(decoded, str):
        return decoded
    text, layout = decoded
    trip = yamlrt.load(text)
    if trip is None or len(trip.documents) != len(load_text(text)[0]):
        return "ruamel.yaml cannot rewrite it without changing its layout"
    refused: set[str] = set()
    after = before
    for _ in range(ROUNDS):
        if not _apply(trip, _active(after.findings), refused):
            break
        new = yamlrt.encode(yamlrt.dump(trip), layout)
        after = check_loaded(before.file, load_bytes(new), config)
    added = {f.fingerprint for f in _active(after.findings)} - {f.fingerprint for f in _active(before.findings)}
    if added:
        return "a fix would add findings (" + ", ".join(sorted({f.id for f in after.findings
                                                                   if f.fingerprint in added})) + ")"
    return yamlrt.encode(yamlrt.dump(trip), layout), after


def _apply(trip: yamlrt.RoundTrip, findings: Iterable[Finding], refused: set[str]) -> bool:
    """Write each finding's fix that the guard lets through; whether anything was written."""
    wrote = False
    for finding in findings:
        if finding.fix is None or finding.fingerprint in refused:
            continue
        if write(trip.documents[finding.fix.document], finding.fix) is None:
            wrote = True
        else:
            refused.add(finding.fingerprint)
    return wrote


def write(document: Any, fix: Fix) -> str | None:
    """The one place a fix is written: through the guard (None: written; else why not)."""
    current = yamlrt.plain(yamlrt.get(document, fix.path))
    why = refusal(fix, current)
    if why is None and not yamlrt.can_set(document, fix.path):
        why = "a section above it is not a mapping"
    if why is not None:
        return why
    if fix.kind == "include":
        missing = [v for v in fix.value if v not in (current or [])]
        yamlrt.extend(document, fix.path, missing)
    else:
        yamlrt.put(document, fix.path, fix.value)
    return None


# ---- what the CLI shows --------------------------------------------------------------


def unified_diff(fixed: FileFix) -> str:
    """The change to one file as a unified diff (``a/`` and ``b/`` paths, as git shows it)."""
    old, new = (_lines(b) for b in (fixed.old, fixed.new or fixed.old))
    name = fixed.before.file
    return "".join(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig", "replace").splitlines(keepends=True)


def summary(fixes: tuple[FileFix, ...], dry_run: bool) -> str:
    """What changed (would change), per control, and which files were left alone and why."""
    counts = Counter((f.id, f.slug) for fixed in fixes if fixed.changed for f in fixed.fixed)
    files = sum(1 for f in fixes if f.changed)
    verb = "would fix" if dry_run else "fixed"
    lines = [f"{verb} {sum(counts.values())} finding{'s' * (sum(counts.values()) != 1)} in {files} "
             f"file{'s' * (files != 1)}" + (":" if counts else "")]
    lines += [f"  {cid} {slug}: {n}" for (cid, slug), n in sorted(counts.items())]
    lines += [f"left alone: {f.before.file}: {f.untouched}" for f in fixes if f.untouched]
    return "\n".join(lines) + "\n"


def needs_a_person(fixes: tuple[FileFix, ...], dry_run: bool) -> RunResult:
    """The findings no fix may touch, as a run result for the text report (with remediation)."""
    files = tuple((f.before if dry_run or not f.changed else f.after)._replace(
        findings=_left(f, dry_run)) for f in fixes)
    return RunResult(files)


def _left(fixed: FileFix, dry_run: bool) -> tuple[Finding, ...]:
    if not dry_run or not fixed.changed:
        return fixed.remaining
    left = {f.fingerprint for f in fixed.remaining}
    return tuple(f for f in _active(fixed.before.findings) if f.fingerprint in left)


def write_back(fixed: FileFix) -> None:
    """Replace the file atomically, keeping its permissions."""
    from ccaudit.files import replace

    assert fixed.new is not None
    replace(fixed.path, [fixed.new])
