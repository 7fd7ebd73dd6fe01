"""The one table the tests hold of which built-in ruleset requires which control: controls.md,
"Which ruleset requires which control" (core phase). Tests about these rulesets look only at
them, so a new built-in ruleset changes only the tests of what it really changes."""

from __future__ import annotations

from collections.abc import Iterable

MATRIX = {
    "CCA101": "GCHA", "CCA102": "GA", "CCA103": "GCHA", "CCA104": "GHA", "CCA105": "GHA", "CCA106": "GCHA",
    "CCA107": "A", "CCA201": "GHA", "CCA202": "GHA", "CCA203": "A", "CCA204": "HA", "CCA205": "H", "CCA206": "GH",
    "CCA207": "H", "CCA208": "GHA", "CCA301": "GC", "CCA302": "GC", "CCA303": "GCA", "CCA304": "GC",
    "CCA401": "H", "CCA402": "G", "CCA403": "C", "CCA404": "G", "CCA405": "GH", "CCA406": "A",
    "CCA501": "GHA", "CCA502": "GHA", "CCA503": "A", "CCA504": "GC", "CCA505": "GA", "CCA506": "A",
    "CCA601": "GCH", "CCA602": "GCH", "CCA603": "C", "CCA604": "GC", "CCA701": "GC", "CCA702": "G",
    "CCA703": "A", "CCA704": "A",
}
LETTERS = {"G": "gdpr", "C": "ccpa", "H": "hipaa", "A": "ai-security"}
CORE = frozenset(LETTERS.values())


def core(ruleset_ids: Iterable[str]) -> list[str]:
    """The rulesets of the table among ``ruleset_ids``, in their order."""
    return [name for name in ruleset_ids if name in CORE]


def applied(line: str) -> list[str]:
    """The table's rulesets in a ``Rulesets applied: a, b`` line."""
    prefix = "Rulesets applied: "
    assert line.startswith(prefix), line
    return core(line.removeprefix(prefix).split(", "))
