"""What a control checks on a manifest, and why it may have nothing to check there.

A control over tools, vendors or automated decisions says nothing about a manifest that
declares none: the evidence report shows it ``not_applicable`` with this reason, never ``pass``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ccaudit.controls.base import Context

TOOLS = ("CCA101", "CCA102", "CCA103", "CCA105", "CCA106", "CCA107")
VENDORS = ("CCA303", "CCA304", "CCA402", "CCA403", "CCA404", "CCA405", "CCA406", "CCA803")


def _none(key: str, what: str) -> Callable[[Context], str | None]:
    return lambda ctx: None if any(True for _ in ctx.items(key)) else f"no {what} declared"


def _no_phi_vendor(ctx: Context) -> str | None:
    if not any(True for _ in ctx.items("vendors")):
        return "no vendors declared"
    receives = any("phi" in ctx.vendor_receives(v) for _, v in ctx.items("vendors"))
    return None if receives else "no vendor receives PHI"


SUBJECTS: Mapping[str, Callable[[Context], str | None]] = {
    **{c: _none("tools", "tools") for c in TOOLS},
    **{c: _none("vendors", "vendors") for c in VENDORS},
    "CCA401": _no_phi_vendor,
    "CCA504": _none("automatedDecisions", "automated decisions"),
}


def nothing_to_check(ctx: Context, controls: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """(control, reason) for each of ``controls`` that has nothing to check on this manifest."""
    out = []
    for control in controls:
        why = SUBJECTS[control](ctx) if control in SUBJECTS else None
        if why is not None:
            out.append((control, why))
    return tuple(out)
