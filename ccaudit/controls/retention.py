"""3xx: retention and minimisation."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, at_most, days, is_unbounded, snippet
from ccaudit.model import Fix
from ccaudit.rulesets import ControlStandard


def retention_unbounded(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    retention = ctx.section("retention")
    keys = [("transcriptsDays", "transcriptsMaxDays")]
    if "voice" in ctx.channels():
        keys.append(("recordingsDays", "recordingsMaxDays"))
    for key, param in keys:
        yield from at_most(ctx, std, ("spec", "retention", key), retention.get(key), param, "days",
                           bounded=True)


def identifiable_long_term_logs(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    retention = ctx.section("retention")
    audit, transcripts = retention.get("auditLogsDays"), retention.get("transcriptsDays")
    if days(audit) <= days(transcripts) or ctx.section("logging").get("pseudonymized") is True:
        return
    path = ("spec", "logging", "pseudonymized")
    kept = "indefinitely" if is_unbounded(audit) else f"{audit} days"
    yield Hit(path, f"audit logs are kept {kept}, longer than transcripts ({transcripts} days), and "
                    "logging.pseudonymized is not true; keep long-term logs with identifiers replaced by keyed hashes",
              snippet(ctx.spec, path, True), fix=Fix(path, True))


def _receiving_vendors(ctx: Context) -> Iterator[tuple[int, dict]]:
    for i, vendor in ctx.items("vendors"):
        if ctx.vendor_receives(vendor):
            yield i, dict(vendor)


def vendor_trains_on_data(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in _receiving_vendors(ctx):
        value = vendor.get("trainingOnCustomerData")
        if value is not False:
            path = ("spec", "vendors", i, "trainingOnCustomerData")
            state = ctx.absent(path) if value is None else "true"
            yield Hit(path, f"vendor {vendor.get('name')!r} receives personal data and trainingOnCustomerData is "
                            f"{state}; the contract must forbid training on customer data",
                      snippet(ctx.spec, path, False))


def vendor_retention_unbounded(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in _receiving_vendors(ctx):
        value = vendor.get("retentionDays")
        if is_unbounded(value):
            path = ("spec", "vendors", i, "retentionDays")
            state = ctx.absent(path) if value is None else "unbounded"
            yield Hit(path, f"vendor {vendor.get('name')!r} receives personal data and its retentionDays is {state}; "
                            "state how long it keeps prompts, audio and outputs (0 for zero retention)",
                      snippet(ctx.spec, path, 0))
