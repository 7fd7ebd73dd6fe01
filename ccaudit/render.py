"""One rendering of the things every output shows: a value, and a citation.

Every format (the reports, `explain`, `rules`, `standard`, the messages of the checks) goes
through these two, so a value or a citation reads the same wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccaudit.model import Citation

UNVERIFIED = "[unverified]"
UNVERIFIED_NOTE = f"{UNVERIFIED}: known from secondary sources only, not yet checked against the text of the law"


def flow(value: Any) -> str:
    """A value as YAML flow text: true, 30d, null, [a, b], {fromPersonalData: sensitive}."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    return str(value)


def cited(citation: Citation, marked: bool = True) -> str:
    """``45 CFR 164.514(h) [unverified]``: the reference, marked when only secondary sources back it."""
    return citation.ref if citation.verified or not marked else f"{citation.ref} {UNVERIFIED}"


def unique(citations: Iterable[Citation]) -> list[Citation]:
    """Each reference once (per-parameter citations may repeat one), the first with its quote."""
    first: dict[str, Citation] = {}
    for citation in citations:
        first.setdefault(citation.ref, citation)
    return list(first.values())


def cite(citations: Iterable[Citation], marked: bool = True) -> str:
    """The references of ``citations``, each once, ``; ``-separated (``marked``: unverified ones say so)."""
    return "; ".join(cited(c, marked) for c in unique(citations))
