"""6xx: incidents and customer rights."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, at_most, require_true
from ccaudit.rulesets import ControlStandard


def breach_notice_too_slow(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    incident = ctx.section("incidentResponse")
    yield from at_most(ctx, std, ("spec", "incidentResponse", "authorityNotificationHours"),
                       incident.get("authorityNotificationHours"), "authorityNotificationMaxHours", "hours")
    yield from at_most(ctx, std, ("spec", "incidentResponse", "individualNotificationDays"),
                       incident.get("individualNotificationDays"), "individualNotificationMaxDays", "days")


def request_response_too_slow(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from at_most(ctx, std, ("spec", "dataSubjectRights", "responseDays"),
                       ctx.section("dataSubjectRights").get("responseDays"), "responseMaxDays", "days")


def _any_vendor_receives(ctx: Context, role: str | None = None) -> bool:
    return any(ctx.vendor_receives(v) for _, v in ctx.items("vendors")
               if role is None or v.get("role", "processor") == role)


def no_sale_opt_out(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    if _any_vendor_receives(ctx, "third_party"):
        why = "a third-party vendor receives personal data (a sale or share)"
        yield from require_true(ctx, "dataSubjectRights", "optOutOfSaleSharing", f"{why}: offer Do Not Sell or Share")
        yield from require_true(ctx, "dataSubjectRights", "honorsGlobalPrivacyControl",
                                f"{why}: honour the Global Privacy Control signal")


def deletion_not_propagated(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    if _any_vendor_receives(ctx):
        yield from require_true(ctx, "dataSubjectRights", "deletionPropagatesToVendors",
                                "vendors hold personal data, so deletion requests must reach them")
