"""The registry of reporters: format name -> function of the run's result returning text.

A reporter yields its text in pieces, so that a report of a large tree is written as it is
made (the JSON report yields one finding per line); ``report`` joins the pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from ccaudit.model import RunResult


class ReportOptions(NamedTuple):
    color: bool = False
    include_suppressed: bool = False  # SARIF: keep suppressed findings, with `suppressions`


Reporter = Callable[[RunResult, ReportOptions], Iterator[str]]


def _text(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.text import render

    yield from render(result, options.color)


def _json(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.json import lines

    yield from lines(result)


def _sarif(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.sarif import render

    yield from render(result, options.include_suppressed)


def _junit(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.junit import render

    yield from render(result)


def _github(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.github import render

    yield from render(result)


def _gitlab(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.gitlab import render

    yield from render(result)


def _markdown(result: RunResult, options: ReportOptions) -> Iterator[str]:
    from ccaudit.reporters.markdown import render

    yield from render(result)


# Each reporter's module is imported only when it is used (a one-file run pays for one).
REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "junit": _junit,
    "github": _github,
    "gitlab": _gitlab,
    "markdown": _markdown,
}

# The extra-report options of `check` (--sarif PATH, ...): format names.
EXTRA_REPORTS = ("sarif", "junit", "json", "markdown", "gitlab")


def report(fmt: str, result: RunResult, options: ReportOptions = ReportOptions()) -> str:
    """A whole report as one string."""
    return "".join(REPORTERS[fmt](result, options))
