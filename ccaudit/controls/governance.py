"""7xx: governance and testing."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, at_most, describe, require_true, snippet
from ccaudit.rulesets import ControlStandard

HIGH_RISK_CATEGORIES = frozenset({"phi", "special_category", "biometric", "children"})


def dpia_missing(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    risky = sorted(HIGH_RISK_CATEGORIES & set(ctx.pd))
    significant = [d.get("name") for _, d in ctx.items("automatedDecisions") if d.get("significant") is True]
    if (risky or significant) and not ctx.section("governance").get("dpia"):
        path = ("spec", "governance", "dpia")
        reason = f"the deployment handles {', '.join(risky)}" if risky else "it makes significant automated decisions"
        yield Hit(path, f"{describe(path, None)}; {reason}, which needs a data protection impact assessment",
                  snippet(ctx.spec, path, "docs/dpia.pdf"))


def no_record_of_processing(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    if not ctx.section("governance").get("recordOfProcessing"):
        path = ("spec", "governance", "recordOfProcessing")
        yield Hit(path, f"{describe(path, None)}; keep a record of processing activities",
                  snippet(ctx.spec, path, "docs/ropa.xlsx"))


def no_red_teaming(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from at_most(ctx, std, ("spec", "monitoring", "redTeamingIntervalDays"),
                       ctx.section("monitoring").get("redTeamingIntervalDays"), "redTeamingMaxIntervalDays", "days",
                       bounded=True)


def no_drift_detection(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "monitoring", "driftDetection",
                            "track escalation rate, human corrections and policy violations")
