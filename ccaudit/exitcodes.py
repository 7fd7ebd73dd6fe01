"""Exit codes, mapped in one place."""

from __future__ import annotations

from collections.abc import Iterable

from ccaudit.model import Finding, Severity

OK = 0
FINDINGS = 1
USAGE = 2  # usage error, missing path, bad configuration or ruleset, internal error
INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it


def for_findings(findings: Iterable[Finding], fail_on: Severity) -> int:
    failing = any(f.suppressed is None and f.severity >= fail_on for f in findings)
    return FINDINGS if failing else OK
