"""The words every evidence format shares: a cell, a matrix cell, an exception's age."""

from __future__ import annotations

from typing import Any

from ccaudit.evidence import Cell, Evidence, Exemption, Section
from ccaudit.render import flow
from ccaudit.rulesets import ControlRequirement

# Worst first: the matrix cell of a ruleset x manifest shows the worst of its requirements.
SEVERITY = ("fail", "waived", "suppressed", "baselined", "pass", "upcoming", "not_applicable")  # worst first


def cell_text(cell: Cell) -> str:
    """``fail (2)``, ``waived: reason``, ``not_applicable: no vendors declared``, ``upcoming 2027-01-01``."""
    if cell.status == "fail":
        return f"fail ({len(cell.findings)})"
    if cell.status == "upcoming":
        return f"upcoming {cell.reason}"
    reason = cell.reason or next((f.suppressed.reason for f in cell.findings if f.suppressed), "")
    return f"{cell.status}: {reason}" if reason else cell.status


def worst(evidence: Evidence, section: Section, index: int) -> str:
    statuses = {row.cells[index].status for row in section.rows}
    return next((s for s in SEVERITY if s in statuses), "not_applicable")


def matrix_cell(evidence: Evidence, section: Section, index: int) -> str:
    """``fail 12/15`` (worst status, passing/applicable), ``pass 12/12, 1 upcoming``, or ``not_applicable``."""
    cells = [row.cells[index] for row in section.rows]
    passing, applicable = evidence.score(cells)
    status = worst(evidence, section, index)
    soon = sum(c.status == "upcoming" for c in cells)
    later = f", {soon} upcoming" if soon and status != "upcoming" else ""
    return f"{status} {passing}/{applicable}{later}" if applicable else status


def exemption_age(e: Exemption) -> str:
    if e.days_left is None:
        return "no expiry"
    return f"expired {-e.days_left} days ago" if e.days_left < 0 else f"{e.days_left} days left"


def quoted(requirement: ControlRequirement) -> list[str]:
    return [c.quote for c in requirement.citations if c.quote]


def value_text(parameter: str | None, value: Any) -> str:
    return f"{parameter}: {flow(value)}" if parameter else "the control"
