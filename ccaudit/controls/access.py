"""1xx: access and least privilege (overprivilege)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ccaudit.controls.base import Context, Hit, exceeds, render, require_true, snippet
from ccaudit.model import VERIFICATION, Fix, Path, Severity
from ccaudit.rulesets import ControlStandard, strings

PRIVILEGED_SEGMENTS = frozenset({"admin", "superuser", "root", "all", "full_access"})
WRITE_ACCESS = frozenset({"write", "delete", "admin"})
CRITICAL_ACTIONS = frozenset({"refund", "payment", "account_change", "credential_reset", "phi_disclosure"})
WEAK_AUTH = frozenset({"none", "basic", "api_key"})
VERIFIED_CATEGORIES = frozenset({"phi", "payment_card", "financial", "government_id", "authentication", "account"})
_SEGMENTS = re.compile(r"[:./]")


def _name(tool: Mapping[str, Any]) -> str:
    return repr(tool.get("name", "?"))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _state(ctx: Context, path: Path, value: Any) -> str:
    return ctx.absent(path) if value is None else render(value)


def wildcard_scope(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, tool in ctx.items("tools"):
        scopes = tool.get("scopes")
        for j, scope in enumerate(scopes if isinstance(scopes, list) else ()):
            if not isinstance(scope, str):
                continue
            segments = {s.lower() for s in _SEGMENTS.split(scope)}
            if "*" in scope or segments & PRIVILEGED_SEGMENTS:
                yield Hit(("spec", "tools", i, "scopes", j),
                          f"tool {_name(tool)} has scope {scope!r}, a wildcard or administrative grant; "
                          "grant only the scopes the tool needs",
                          "scopes: [crm:contacts:read]   # one resource, one verb")


def write_without_approval(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, tool in ctx.items("tools"):
        access = tool.get("access", "admin")
        actions = strings(tool.get("actions"))
        if access not in WRITE_ACCESS and not actions:
            continue
        approval = tool.get("approval")
        condition = str(tool.get("approvalCondition") or "").strip()
        if approval == "always" or (approval == "conditional" and condition):
            continue
        key = "approvalCondition" if approval == "conditional" else "approval"
        state = ("approval is conditional with no approvalCondition" if approval == "conditional"
                 else f"approval is {approval or ctx.absent(('spec', 'tools', i, key))}")
        effect = f"access: {access}" + (f", actions: {', '.join(actions)}" if actions else "")
        critical = Severity.CRITICAL if CRITICAL_ACTIONS & set(actions) else None
        yield Hit(("spec", "tools", i, key),
                  f"tool {_name(tool)} changes data ({effect}) and {state}; "
                  "a person must approve such calls (approval: always, or conditional with a condition)",
                  snippet(ctx.spec, ("spec", "tools", i, "approval"), "always"), severity=critical,
                  fix=Fix(("spec", "tools", i, "approval"), "always", weaker=(None, "never", "conditional")))


def unrestricted_fields(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, tool in ctx.items("tools"):
        fields = tool.get("fields")
        if not ctx.tool_categories(tool) or (isinstance(fields, list) and fields and "*" not in fields):
            continue
        path: Path = ("spec", "tools", i, "fields")
        if isinstance(fields, list) and "*" in fields:
            path, state = (*path, fields.index("*")), 'returns the whole record ("*")'
        else:
            state = "has no field list" if fields is None else "has an empty field list"
        yield Hit(path, f"tool {_name(tool)} {state}; list only the fields it needs",
                  snippet(ctx.spec, ("spec", "tools", i, "fields"), ["name", "email"]))


def undeclared_data_category(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    declared = set(strings(ctx.spec.get("dataCategories")))
    for key, field, what in (("tools", "dataCategories", "tool"), ("vendors", "receives", "vendor")):
        for i, item in ctx.items(key):
            values = item.get(field)
            for j, category in enumerate(values if isinstance(values, list) else ()):
                if isinstance(category, str) and category not in declared:
                    yield Hit(("spec", key, i, field, j),
                              f"{what} {_name(item)} handles {category!r}, which spec.dataCategories does not "
                              "declare; the deployment's scope (and the law that applies) is understated",
                              f"dataCategories: [{', '.join(sorted(declared | {category}))}]")


def weak_backend_auth(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, tool in ctx.items("tools"):
        auth = _mapping(tool.get("auth"))
        kind, credential = auth.get("type"), auth.get("credential")
        if kind is None or kind in WEAK_AUTH:
            path: Path = ("spec", "tools", i, "auth", "type")
            yield Hit(path, f"tool {_name(tool)}: {ctx.describe(path, kind)}; authenticate to the backend with "
                      "oauth2, mtls or iam", snippet(ctx.spec, path, "oauth2"))
        if credential != "short_lived":
            path = ("spec", "tools", i, "auth", "credential")
            yield Hit(path, f"tool {_name(tool)}: {ctx.describe(path, credential)}; use short_lived credentials",
                      snippet(ctx.spec, path, "short_lived"))


def unverified_sensitive_access(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    sensitive = False
    for i, tool in ctx.items("tools"):
        touched = VERIFIED_CATEGORIES & set(ctx.tool_categories(tool))
        if not touched:
            continue
        sensitive = True
        if tool.get("requiresVerifiedCustomer") is not True:
            path: Path = ("spec", "tools", i, "requiresVerifiedCustomer")
            state = _state(ctx, path, tool.get("requiresVerifiedCustomer"))
            yield Hit(path, f"tool {_name(tool)} touches {', '.join(sorted(touched))} and requiresVerifiedCustomer is "
                            f"{state}; verify the customer before the call", snippet(ctx.spec, path, True))
    minimum = std.value("minimumVerification")
    if not (sensitive or VERIFIED_CATEGORIES & set(ctx.pd)) or minimum is None:
        return
    actual = ctx.section("authentication").get("customerVerification")
    rank = VERIFICATION.index(actual) if actual in VERIFICATION else -1
    if rank < VERIFICATION.index(minimum):
        path = ("spec", "authentication", "customerVerification")
        yield Hit(path, f"{ctx.describe(path, actual)}; at least {minimum} is required "
                        f"(weakest to strongest: {', '.join(VERIFICATION)})",
                  snippet(ctx.spec, path, minimum), "minimumVerification",
                  lambda own: rank < VERIFICATION.index(own),
                  fix=Fix(path, minimum, weaker=(None, *VERIFICATION[:VERIFICATION.index(minimum)])))


def unbounded_records(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    limit = std.value("maxRecordsPerCall")
    for i, tool in ctx.items("tools"):
        if not ctx.tool_categories(tool):
            continue
        actual = tool.get("maxRecordsPerCall")
        if actual is not None and (limit is None or actual <= limit):
            continue
        path = ("spec", "tools", i, "maxRecordsPerCall")
        state = ctx.absent(path) if actual is None else f"{actual} records per call"
        bound = f"at most {limit}" if limit is not None else "a bound"
        yield Hit(path, f"tool {_name(tool)}: maxRecordsPerCall is {state}; {bound} is required",
                  snippet(ctx.spec, path, min(limit or 1, 1)), "maxRecordsPerCall",
                  exceeds(actual), fix=None if limit is None else Fix(path, limit, "at_most"))


def admin_without_mfa(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    yield from require_true(ctx, "adminAccess", "mfa",
                            "people with administrative access need multi-factor authentication")
