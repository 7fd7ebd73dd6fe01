"""5xx: guardrails and human oversight."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, contains, require_true, snippet
from ccaudit.model import Fix
from ccaudit.rulesets import ControlStandard, strings


def no_prompt_injection_guard(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "guardrails", "promptInjection", "filter injected instructions before the model")


def output_filter_gap(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    filtered = set(strings(ctx.section("guardrails").get("outputFilter")))
    required = std.value("outputFilterCategories") or []
    path = ("spec", "guardrails", "outputFilter")
    for category in required:
        if category not in filtered:
            yield Hit(path, f"agent output is not filtered for {category}; mask or block it in responses",
                      snippet(ctx.spec, path, sorted(filtered | set(required))), "outputFilterCategories",
                      contains(category), subject=category, fix=Fix(path, [category], "include"))


def no_confidence_escalation(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    guardrails = ctx.section("guardrails")
    if guardrails.get("confidenceThreshold") is None:
        path = ("spec", "guardrails", "confidenceThreshold")
        yield Hit(path, f"{ctx.describe(path, None)}; set the confidence below which the agent does not act alone",
                  snippet(ctx.spec, path, 0.8))
    action = guardrails.get("lowConfidenceAction")
    if action in (None, "proceed"):
        path = ("spec", "guardrails", "lowConfidenceAction")
        yield Hit(path, f"{ctx.describe(path, action)}; escalate to a human or refuse when confidence is low",
                  snippet(ctx.spec, path, "escalate_to_human"),
                  fix=Fix(path, "escalate_to_human", weaker=(None, "proceed")))


def significant_decision_without_review(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, decision in ctx.items("automatedDecisions"):
        if decision.get("significant") is True and decision.get("humanReview") is not True:
            path = ("spec", "automatedDecisions", i, "humanReview")
            state = ctx.absent(path) if decision.get("humanReview") is None else "false"
            yield Hit(path, f"automated decision {decision.get('name')!r} has a significant effect and humanReview is "
                            f"{state}; a person must be able to review it", snippet(ctx.spec, path, True),
                      fix=Fix(path, True))


def no_human_handoff(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "humanOversight", "handoffAvailable", "a customer must be able to reach a human")


def no_conversation_review(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    rate = ctx.section("humanOversight").get("reviewSampleRate")
    if not rate:
        path = ("spec", "humanOversight", "reviewSampleRate")
        yield Hit(path, f"{ctx.describe(path, rate)}; people should review a sample of AI-handled conversations",
                  snippet(ctx.spec, path, 0.05))


def no_ai_disclosure(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "guardrails", "aiDisclosure",
                            "tell the customer at the first turn that they are talking to an AI")
