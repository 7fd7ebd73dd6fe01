"""The evidence report's formats: name -> function of the evidence yielding text in pieces."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ccaudit.evidence import Evidence


def _html(evidence: Evidence) -> Iterator[str]:
    from ccaudit.evidence.html import render

    yield render(evidence)


def _markdown(evidence: Evidence) -> Iterator[str]:
    from ccaudit.evidence.markdown import render

    yield render(evidence)


def _json(evidence: Evidence) -> Iterator[str]:
    from ccaudit.evidence.json import lines

    yield from lines(evidence)


def _csv(evidence: Evidence) -> Iterator[str]:
    from ccaudit.evidence.csv import lines

    yield from lines(evidence)


def _oscal(evidence: Evidence) -> Iterator[str]:
    from ccaudit.evidence.oscal import render

    yield from render(evidence)


FORMATS: dict[str, Callable[[Evidence], Iterator[str]]] = {
    "html": _html, "markdown": _markdown, "json": _json, "csv": _csv, "oscal": _oscal,
}
