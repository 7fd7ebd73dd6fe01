"""7xx: governance and testing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ccaudit.controls.base import Context, Hit, at_most, require_true, snippet
from ccaudit.rulesets import ControlStandard


def dpia_missing(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    """The assessment is needed for what each ruleset names (categories, sale or share) and for a
    significant automated decision under every one of them."""
    if ctx.section("governance").get("dpia"):
        return
    path = ("spec", "governance", "dpia")
    hit = _dpia_trigger(ctx, std)
    if hit is not None:
        reason, param, breaks = hit
        yield Hit(path, f"{ctx.describe(path, None)}; {reason}, which needs a data protection impact assessment "
                  "(or risk assessment)", snippet(ctx.spec, path, "docs/dpia.pdf"), param, breaks)


def _dpia_trigger(ctx: Context, std: ControlStandard) -> tuple[str, str | None, Any] | None:
    """Why an assessment is needed, the parameter that says so, and whose requirement it breaks."""
    risky = [c for c in std.value("dpiaTriggerCategories") or () if c in ctx.pd]
    if risky:
        return f"the deployment handles {', '.join(risky)}", "dpiaTriggerCategories", \
            lambda own: bool(set(own) & set(risky))
    if any(d.get("significant") is True for _, d in ctx.items("automatedDecisions")):
        return "it makes significant automated decisions", None, None
    sold = [v.get("name") for _, v in ctx.items("vendors") if v.get("role") == "third_party" and ctx.vendor_receives(v)]
    if sold and std.value("dpiaOnSaleOrShare"):
        return f"third_party vendor {sold[0]!r} receives personal data (a sale or share)", "dpiaOnSaleOrShare", \
            lambda own: own is True
    return None


def no_record_of_processing(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    if not ctx.section("governance").get("recordOfProcessing"):
        path = ("spec", "governance", "recordOfProcessing")
        yield Hit(path, f"{ctx.describe(path, None)}; keep a record of processing activities",
                  snippet(ctx.spec, path, "docs/ropa.xlsx"))


def no_red_teaming(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from at_most(ctx, std, ("spec", "monitoring", "redTeamingIntervalDays"),
                       ctx.section("monitoring").get("redTeamingIntervalDays"), "redTeamingMaxIntervalDays", "days",
                       bounded=True)


def no_drift_detection(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "monitoring", "driftDetection",
                            "track escalation rate, human corrections and policy violations")
