"""Exit codes, mapped in one place."""

from __future__ import annotations

from collections.abc import Iterable

from ccaudit.model import SEVERITIES, Finding, Severity

OK = 0
FINDINGS = 1
USAGE = 2  # usage error, missing path, bad configuration or ruleset, internal error
INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it


NEVER = "none"  # `--fail-on none`: report only, never exit 1
FAIL_ON = (*SEVERITIES, NEVER)  # the values of --fail-on, most severe first


def for_findings(findings: Iterable[Finding], fail_on: str) -> int:
    """1 when an unsuppressed finding is at or above ``fail_on`` (a severity, or ``none``: never)."""
    if fail_on == NEVER:
        return OK
    threshold = Severity.parse(fail_on)
    failing = any(f.suppressed is None and f.severity >= threshold for f in findings)
    return FINDINGS if failing else OK
