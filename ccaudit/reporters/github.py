"""GitHub Actions workflow commands: annotations on the pull request's files.

GitHub keeps at most 10 annotations of each level per step and drops the rest, so at most
10 are written per level and one notice tells how many more there are (the notices then
stop at 9 so that one fits). The whole text report goes into a collapsed log group first,
so nothing is lost; it is wrapped in ``::stop-commands::`` with a token derived from its own
text, so a hostile file name or value cannot smuggle a command into it. The job summary is the
markdown report; the CLI appends it to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator

from ccaudit.model import Finding, RunResult, printable
from ccaudit.reporters.common import active, repo_files, required_by

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
PER_LEVEL = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, properties: dict[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def annotation(finding: Finding, path: str) -> str:
    span = finding.span
    properties: dict[str, str | int] = {
        "file": path, "line": span.line, "endLine": span.end_line, "col": span.column,
        "endColumn": span.end_column, "title": f"{finding.id} {finding.slug} [{finding.severity}]"}
    cited = required_by(finding)
    lines = [finding.message, *([f"required by {cited}"] if cited else []),
             *(["fix:", *finding.remediation.splitlines()] if finding.remediation else [])]
    return command(LEVELS[str(finding.severity)], properties, "\n".join(printable(line) for line in lines))


def render(result: RunResult) -> Iterator[str]:
    from ccaudit.reporters.text import nothing_checked, summary
    from ccaudit.reporters.text import render as text_report

    findings = active(result)
    paths = repo_files(result)
    chosen = choose(findings)
    yield from verbatim(lambda: text_report(result))
    lines = [annotation(f, paths.get(f.file, f.file)) for f in chosen]
    rest = len(findings) - len(chosen)
    if rest:
        lines.append(command("notice", {"title": "ccaudit"},
                             f"{rest} more finding{'s' if rest != 1 else ''} not shown as annotations "
                             f"(GitHub shows at most {PER_LEVEL} per level); see the job summary and the log"))
    nothing = nothing_checked(result)
    if nothing:
        lines.append(command("warning", {"title": "ccaudit"}, nothing))
    lines.append(summary(result))
    yield "\n".join(lines) + "\n"


def choose(findings: list[Finding]) -> list[Finding]:
    """At most 10 per level, the most severe first, then in report order; 9 notices when a count
    notice must follow."""
    ranked = sorted(findings, key=lambda f: -f.severity)  # stable: report order within a severity
    by_level = {level: [f for f in ranked if LEVELS[str(f.severity)] == level]
                for level in ("error", "warning", "notice")}
    overflow = any(len(items) > PER_LEVEL for items in by_level.values())
    limits = {"error": PER_LEVEL, "warning": PER_LEVEL, "notice": PER_LEVEL - 1 if overflow else PER_LEVEL}
    shown = {id(f) for level, items in by_level.items() for f in items[:limits[level]]}
    return [f for f in findings if id(f) in shown]


def verbatim(text: Callable[[], Iterable[str]]) -> Iterator[str]:
    """The text report in a collapsed group, between ``::stop-commands::TOKEN`` and ``::TOKEN::``
    so that none of its lines is a command; the token is a hash of the text (made twice: never held)."""
    digest = hashlib.sha256()
    for piece in text():
        digest.update(piece.encode("utf-8", "surrogateescape"))
    token = "ccaudit-" + digest.hexdigest()[:32]
    yield f"::group::ccaudit report\n::stop-commands::{token}\n"
    yield from text()
    yield f"::{token}::\n::endgroup::\n"
