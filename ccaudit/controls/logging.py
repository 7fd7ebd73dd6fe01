"""2xx: logging and audit (blind spots)."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, at_most, contains, days, falls_short, require_true, snippet
from ccaudit.model import SENSITIVE, Fix, Severity
from ccaudit.rulesets import ControlStandard, strings

DECISION_KEYS = ("routingDecisions", "escalations", "approvals", "guardrailEvents")
CRITICAL_CATEGORIES = frozenset({"payment_card", "phi"})


def tool_calls_not_logged(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "logging", "toolCalls", "every tool call must be logged")


def decisions_not_logged(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for key in DECISION_KEYS:
        yield from require_true(ctx, "logging", key, "the agent's decisions must be logged")


def reasoning_not_logged(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    value = ctx.section("logging").get("reasoning")
    if value in (None, "none"):
        path = ("spec", "logging", "reasoning")
        yield Hit(path, f"{ctx.describe(path, value)}; log the agent's plan steps (redacted or full)",
                  snippet(ctx.spec, path, "redacted"), fix=Fix(path, "redacted", weaker=(None, "none")))


def mutable_audit_logs(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "logging", "immutable", "audit logs must be write-once and tamper-evident")


def audit_log_retention_too_short(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    retention = ctx.section("retention")
    for key, param in (("auditLogsDays", "auditLogsMinDays"), ("auditLogsHotDays", "auditLogsHotMinDays")):
        minimum, actual = std.value(param), retention.get(key)
        if minimum is None or (actual is not None and days(actual) >= minimum):
            continue
        path = ("spec", "retention", key)
        state = ctx.absent(path) if actual is None else f"{actual} days"
        yield Hit(path, f"retention.{key} is {state}; at least {minimum} days are required",
                  snippet(ctx.spec, path, minimum), param, falls_short(actual), fix=Fix(path, minimum, "at_least"))


def unredacted_logs(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    logging = ctx.section("logging")
    masked = set(strings(logging.get("redaction")))
    required = std.value("redactCategories") or []
    for category in required:
        if category not in masked:
            fix = snippet(ctx.spec, ("spec", "logging", "redaction"), sorted(masked | set(required)))
            yield Hit(("spec", "logging", "redaction"),
                      f"logs are written without masking {category}; redact it before logs are written",
                      fix, "redactCategories", contains(category),
                      Severity.CRITICAL if category in CRITICAL_CATEGORIES else None, category,
                      Fix(("spec", "logging", "redaction"), [category], "include"))
    sensitive = SENSITIVE & set(ctx.pd)
    if logging.get("reasoning") == "full" and sensitive:
        path = ("spec", "logging", "reasoning")
        yield Hit(path, f"full reasoning is logged while the deployment handles {', '.join(sorted(sensitive))}; "
                        "log it redacted", snippet(ctx.spec, path, "redacted"),
                  fix=Fix(path, "redacted", weaker=("full",)))


def no_log_review(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    path = ("spec", "logging", "reviewIntervalDays")
    yield from at_most(ctx, std, path, ctx.section("logging").get("reviewIntervalDays"),
                       "reviewMaxIntervalDays", "days", bounded=True)


def unmonitored_access(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "monitoring", "anomalyAlerts",
                            "alert on spikes of tool calls or records read")

