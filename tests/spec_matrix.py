"""The one table the tests hold of which built-in ruleset requires which control: controls.md,
"Which ruleset requires which control", as amended by its "Phase 2" section. Tests about these
rulesets look only at them, so a further built-in ruleset changes only the tests of what it
really changes. R stands for the spec's E* (eu-ai-act-high-risk); a letter counts whatever the
requirement's date or status (HIPAA's CCA802 is proposed, ccpa's CCA504 dated)."""

from __future__ import annotations

from collections.abc import Iterable

MATRIX = {
    "CCA101": "GCHAP", "CCA102": "GA", "CCA103": "GCHAP", "CCA104": "GHA", "CCA105": "GHA", "CCA106": "GCHA",
    "CCA107": "A", "CCA201": "GHAPR", "CCA202": "GHAR", "CCA203": "A", "CCA204": "HAP", "CCA205": "HPR",
    "CCA206": "GHP", "CCA207": "HP", "CCA208": "GHA", "CCA301": "GC", "CCA302": "GC", "CCA303": "GCA",
    "CCA304": "GC", "CCA401": "H", "CCA402": "G", "CCA403": "C", "CCA404": "G", "CCA405": "GH", "CCA406": "A",
    "CCA501": "GHA", "CCA502": "GHAP", "CCA503": "A", "CCA504": "GCR", "CCA505": "GAR", "CCA506": "A",
    "CCA601": "GBH", "CCA602": "GCH", "CCA603": "C", "CCA604": "GC", "CCA701": "GC", "CCA702": "G",
    "CCA703": "A", "CCA704": "A", "CCA801": "P", "CCA802": "PH", "CCA803": "P", "CCA901": "E",
}
LETTERS = {"G": "gdpr", "C": "ccpa", "B": "ca-breach", "H": "hipaa", "A": "ai-security", "P": "pci-dss",
           "E": "eu-ai-act", "R": "eu-ai-act-high-risk"}
CORE = frozenset(LETTERS.values())


def core(ruleset_ids: Iterable[str]) -> list[str]:
    """The rulesets of the table among ``ruleset_ids``, in their order."""
    return [name for name in ruleset_ids if name in CORE]


def applied(line: str) -> list[str]:
    """The table's rulesets in a ``Rulesets applied: a, b`` line."""
    prefix = "Rulesets applied: "
    assert line.startswith(prefix), line
    return core(line.removeprefix(prefix).split(", "))
