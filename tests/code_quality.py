"""A GitLab Code Quality report checked against the format and against the run's own findings.

The format (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format,
"Implement a custom tool"): a JSON array of objects, each with
`description` (string), `check_name` (string), `fingerprint` (string, unique: GitLab keeps
one issue per fingerprint), `severity` (one of info, minor, major, critical, blocker),
`location.path` (relative to the repository root) and `location.lines.begin` (integer).
The severity mapping is ccaudit's (docs/spec cli.md, "gitlab").
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath
from typing import Any

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
SEVERITY_OF = {"critical": "critical", "high": "major", "medium": "minor", "low": "info"}


def assert_issue_format(issue: Any, in_repository: bool = True) -> None:
    """One issue has every field GitLab requires, of the documented type and values. A file
    outside any repository (no .git above it) keeps the path it was shown with, which may be
    absolute: GitLab only ever sees files of its checkout."""
    assert isinstance(issue, dict), issue
    for key in ("description", "check_name", "fingerprint"):
        assert isinstance(issue.get(key), str) and issue[key].strip(), (key, issue)
    assert issue.get("severity") in GITLAB_SEVERITIES, issue
    location = issue.get("location")
    assert isinstance(location, dict) and isinstance(location.get("path"), str), issue
    path = PurePosixPath(location["path"])
    assert location["path"] and "\\" not in location["path"], location
    assert not (in_repository and path.is_absolute()), location
    begin = location.get("lines", {}).get("begin")
    assert isinstance(begin, int) and not isinstance(begin, bool) and begin >= 1, location


def _shown_as(file: str, repo_path: str) -> bool:
    """The finding's shown path names the same file as the repository-relative path."""
    shown = PurePosixPath(file.replace("\\", "/")).parts
    relative = PurePosixPath(repo_path).parts
    return shown[len(shown) - len(relative):] == relative


def assert_code_quality(issues: Any, report: dict[str, Any], in_repository: bool = True) -> None:
    """``issues`` (the GitLab report) is well formed and holds one issue per unsuppressed
    finding of ``report`` (the JSON report of the same run): same control, line, severity,
    fingerprint and file; suppressed findings are left out."""
    assert isinstance(issues, list), issues
    for issue in issues:
        assert_issue_format(issue, in_repository)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints), Counter(fingerprints).most_common(3)
    active = [f for f in report["findings"] if f["suppressed"] is None]
    assert len(report["findings"]) - len(active) == report["summary"]["suppressed"]
    by_print = {f["fingerprint"]: f for f in active}
    assert set(by_print) == set(fingerprints) and len(issues) == len(active)
    for issue in issues:
        finding = by_print[issue["fingerprint"]]
        assert issue["check_name"] == finding["id"], (issue, finding)
        assert issue["location"]["lines"]["begin"] == finding["line"], (issue, finding)
        assert issue["severity"] == SEVERITY_OF[finding["severity"]], (issue, finding)
        assert _shown_as(finding["file"], issue["location"]["path"]), (issue, finding)
        assert finding["id"] in issue["description"] and finding["message"] in issue["description"], issue
