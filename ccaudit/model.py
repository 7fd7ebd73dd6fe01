"""The values that flow between the stages: immutable, 1-based positions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from enum import IntEnum
from types import MappingProxyType
from typing import Any, NamedTuple

PathPart = str | int
Path = tuple[PathPart, ...]


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


SEVERITIES = tuple(str(s) for s in sorted(Severity, reverse=True))

# The manifest format's vocabulary, shared by the rulesets, the controls and the reports.
CATEGORIES = ("contact", "account", "authentication", "payment_card", "financial", "government_id", "phi",
              "special_category", "biometric", "precise_geolocation", "children")
SENSITIVE = frozenset(CATEGORIES[2:])
VERIFICATION = ("none", "knowledge", "voice_biometric", "otp", "mfa")  # weakest to strongest


def dotted(path: Path) -> str:
    """``spec.tools[2].scopes[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Span(NamedTuple):
    """A region of a file: 1-based lines and columns (code points), end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


FILE_START = Span(1, 1, 1, 1)


class Citation(NamedTuple):
    ref: str
    verified: bool = True
    quote: str | None = None
    parameter: str | None = None  # backs only this parameter of the control (None: all of it)


class Basis(NamedTuple):
    """A finding's basis: one ruleset that requires what was broken, its citations, its own
    value, and whether it binds (it set the effective value)."""

    ruleset: str
    citations: tuple[Citation, ...]
    value: Any = None
    binding: bool = True
    broken: bool = True  # its own value is broken (a looser ruleset's may not be: its cell passes)


class Upcoming(NamedTuple):
    """A requirement not yet effective: what it will require, from when, on whose authority."""

    ruleset: str
    control: str
    parameter: str | None
    value: Any
    effective: str  # YYYY-MM-DD
    citation: str


class Suppression(NamedTuple):
    kind: str
    reason: str
    until: str | None = None
    line: int = 0  # inline: the directive's line


class Fix(NamedTuple):
    """What makes a finding pass, as its control says: ``path`` (under the manifest) gets ``value``.

    ``kind`` says how it is only ever tighter: ``at_least`` raises a minimum, ``at_most`` lowers a
    maximum, ``include`` adds the items of ``value`` to a list, ``replace`` puts ``value`` where one
    of ``weaker`` stands (None: missing). ``document`` is the manifest's place in its file.
    """

    path: Path
    value: Any
    kind: str = "replace"
    weaker: tuple[Any, ...] = (None, False)
    document: int = 0


class Finding(NamedTuple):
    id: str
    slug: str
    severity: Severity
    file: str
    span: Span
    path: str
    manifest: str | None
    message: str
    requirements: tuple[Basis, ...] = ()  # the rulesets behind it
    remediation: str = ""
    fingerprint: str = ""
    source_line: str = ""
    suppressed: Suppression | None = None
    suppressible: bool = True  # inline; every requiring ruleset allows it
    named_path: str = ""  # ``path`` with list items by name (``spec.vendors[acme-llm].baa``), as fingerprinted
    fix: Fix | None = None  # the setting that makes it pass, when a tool may write it (``ccaudit fix``)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.span.line, self.span.column, self.id, self.message)

    @property
    def binding(self) -> tuple[Basis, ...]:
        return tuple(r for r in self.requirements if r.binding)


def fingerprint_of(parts: tuple[str, ...]) -> str:
    import hashlib  # only runs with findings: a clean file does not pay for it

    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def number_occurrences(findings: list[Finding]) -> list[Finding]:
    """Findings whose fingerprints are equal get an occurrence number mixed in (the first keeps its own)."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        count = seen.get(finding.fingerprint, 0)
        seen[finding.fingerprint] = count + 1
        if count:
            finding = finding._replace(fingerprint=fingerprint_of((finding.fingerprint, str(count))))
        out.append(finding)
    return out


class ManifestResult(NamedTuple):
    """One manifest of a file: its name and the controls evaluated on it (sorted ids)."""

    name: str | None
    controls: tuple[str, ...]
    upcoming: tuple[Upcoming, ...] = ()  # requirements of its rulesets not yet effective
    # Recorded only for the evidence report (RunConfig.evidence):
    rulesets: tuple[str, ...] = ()  # the rulesets that applied
    pd: tuple[str, ...] = ()  # its personal data (the merged standard depends on it)
    inapplicable: tuple[tuple[str, str], ...] = ()  # (control, why it has nothing to check here)


class FileResult(NamedTuple):
    """What checking one file produced."""

    file: str
    manifest_results: tuple[ManifestResult, ...]
    findings: tuple[Finding, ...]
    repo_file: str = ""  # relative to the repository root, POSIX (SARIF and GitLab locations)

    @property
    def manifests(self) -> int:
        return len(self.manifest_results)


class RunResult(NamedTuple):
    files: tuple[FileResult, ...]
    baseline_fixed: tuple[str, ...] = ()  # baseline entries that no longer occur
    as_of: str | None = None  # YYYY-MM-DD the run judged the law as of
    checked_keys: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # control -> the manifest keys it checks

    @property
    def upcoming(self) -> tuple[Upcoming, ...]:
        """Every manifest's upcoming requirements, once each, by date."""
        found = {u for r in self.files for m in r.manifest_results for u in m.upcoming}
        return tuple(sorted(found, key=lambda u: (u.effective, u.ruleset, u.control, u.parameter or "")))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(sorted((f for r in self.files for f in r.findings), key=lambda f: f.sort_key))

    @property
    def manifests(self) -> int:
        return sum(r.manifests for r in self.files)

    def counts(self) -> Counts:
        """What every report's summary says, counted here once."""
        findings = [f for r in self.files for f in r.findings]  # in any order: counted, not listed
        active = [f for f in findings if f.suppressed is None]
        names = {(r.file, m.name) for r in self.files for m in r.manifest_results}
        by_severity = tuple((s, sum(1 for f in active if str(f.severity) == s)) for s in SEVERITIES)
        return Counts(len(self.files), self.manifests, len({(f.file, f.manifest) for f in active} & names),
                      len(active), len(findings) - len(active), by_severity)


class Counts(NamedTuple):
    """A run in numbers: files, manifests (and those with an unsuppressed finding), findings.

    A finding outside any manifest (a file that does not parse, a malformed comment) counts
    as a finding, never as a manifest.
    """

    files: int
    manifests: int
    affected: int  # manifests with at least one unsuppressed finding (<= manifests)
    findings: int  # unsuppressed
    suppressed: int
    by_severity: tuple[tuple[str, int], ...]  # every severity, most severe first


class Waiver(NamedTuple):
    """A configuration waiver: a control set aside for matching paths, with a reason."""

    control: str
    paths: tuple[str, ...]
    reason: str
    until: str | None = None


class Policy(NamedTuple):
    """How findings may be quieted in this run."""

    inline: bool = True
    waivers: tuple[Waiver, ...] = ()
    baseline: Mapping[str, str] = MappingProxyType({})  # fingerprint -> description
    today: str | None = None  # YYYY-MM-DD; None: today in UTC

    def day(self) -> str:
        return self.today or datetime.now(timezone.utc).date().isoformat()

    def applies(self, directive: bool) -> bool:
        """Whether the suppression stage has anything to do for a file (``directive``: it has a
        ``# ccaudit`` comment, ``has_directive``)."""
        return bool(self.waivers or self.baseline or (self.inline and directive))


# A comment that speaks to ccaudit (`# ccaudit: ignore[...]`, or a malformed attempt at one).
DIRECTIVE = re.compile(r"(?:^|\s)(#\s*ccaudit\b.*)$")


def has_directive(lines: Sequence[str]) -> bool:
    return any("ccaudit" in line and DIRECTIVE.search(line) for line in lines)


# Characters a report must never copy raw: C0/C1 controls (terminal escapes), line and
# bidi-override marks, and lone surrogates (a file name's undecodable bytes, surrogateescape).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` safe to show and to encode as UTF-8: ``\\x1b`` for ESC, ``\\xff`` for an undecodable byte."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte it stands for
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

