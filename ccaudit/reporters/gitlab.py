"""GitLab Code Quality JSON: one issue per unsuppressed finding, with the stable fingerprint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ccaudit.model import Finding, RunResult
from ccaudit.reporters.common import active, json_list, repo_files, required_by

SEVERITIES = {"critical": "critical", "high": "major", "medium": "minor", "low": "info"}


def render(result: RunResult) -> Iterator[str]:
    paths = repo_files(result)
    yield from json_list(issue(f, paths.get(f.file, f.file)) for f in active(result))
    yield "\n"


def issue(finding: Finding, path: str) -> dict[str, Any]:
    cited = required_by(finding)
    return {
        "type": "issue",
        "description": f"{finding.id} {finding.message}" + (f" (required by {cited})" if cited else ""),
        "check_name": finding.id,
        "categories": ["Security"],
        "fingerprint": finding.fingerprint,
        "severity": SEVERITIES[str(finding.severity)],
        "location": {"path": path, "lines": {"begin": finding.span.line, "end": finding.span.end_line}},
        **({"content": {"body": f"Fix:\n\n```yaml\n{finding.remediation}\n```"}} if finding.remediation else {}),
    }
