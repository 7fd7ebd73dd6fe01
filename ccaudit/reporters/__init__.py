"""The registry of reporters: format name -> function of the run's result returning text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ccaudit.model import RunResult


@dataclass(frozen=True, slots=True)
class ReportOptions:
    color: bool = False


Reporter = Callable[[RunResult, ReportOptions], str]


def _text(result: RunResult, options: ReportOptions) -> str:
    from ccaudit.reporters.text import render

    return render(result, options.color)


def _json(result: RunResult, options: ReportOptions) -> str:
    from ccaudit.reporters.json import render

    return render(result)


# Each reporter's module is imported only when it is used (a one-file run pays for one).
REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
}
