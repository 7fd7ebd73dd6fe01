"""The one gate every write of ``ccaudit fix`` passes: never a fact, never looser.

A manifest records facts only people can make true (cli.md, Authoring): signed agreements,
certifications, vendors' contract terms, backend credentials and administrative access,
document references, tools' scopes and fields, and the scope of the deployment. A fix never
writes under these paths, and it only ever moves a value the stricter way.
"""

from __future__ import annotations

from typing import Any

from ccaudit.model import Fix, Path

ANY = "*"  # any list item

# Paths `fix` never writes (nor any path under them, nor a section holding them).
FACTS: tuple[Path, ...] = (
    ("spec", "vendors", ANY, "agreements"),  # dpa, baa, ccpaTerms, transferMechanism
    ("spec", "vendors", ANY, "certifications"),
    ("spec", "vendors", ANY, "retentionDays"),
    ("spec", "vendors", ANY, "trainingOnCustomerData"),
    ("spec", "vendors", ANY, "breachNoticeHours"),
    ("spec", "vendors", ANY, "receives"),
    ("spec", "vendors", ANY, "regions"),
    ("spec", "vendors", ANY, "role"),
    ("spec", "tools", ANY, "auth"),
    ("spec", "tools", ANY, "scopes"),
    ("spec", "tools", ANY, "fields"),
    ("spec", "tools", ANY, "dataCategories"),
    ("spec", "adminAccess"),
    ("spec", "governance"),
    ("spec", "dataCategories"),
    ("spec", "dataSubjects"),
    ("spec", "organization"),
    ("spec", "channels"),
    ("spec", "regulations"),
    ("spec", "residency"),
    ("spec", "payments"),
)


def _matches(path: Path, pattern: Path) -> bool:
    return all((p == ANY and isinstance(q, int)) or p == q for q, p in zip(path, pattern, strict=False))


def fact(path: Path) -> bool:
    """Whether ``path`` is, lies under or holds a fact; anything outside ``spec`` is one too."""
    return not path or path[0] != "spec" or any(_matches(path, pattern) for pattern in FACTS)


def refusal(fix: Fix, current: Any) -> str | None:
    """Why ``fix`` may not be written over ``current`` (None: it may)."""
    if fact(fix.path):
        return "a fact only a person can make true"
    return _looser(fix, current)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _looser(fix: Fix, current: Any) -> str | None:
    if fix.kind == "at_least":
        ok = current is None or (_number(current) and current < fix.value)
    elif fix.kind == "at_most":
        ok = current is None or current in (-1, "indefinite", "forever") or (_number(current) and current > fix.value)
    elif fix.kind == "include":
        ok = current is None or isinstance(current, list)
    elif fix.kind == "replace":
        ok = any(current is w or (current == w and type(current) is type(w)) for w in fix.weaker)
    else:
        return f"unknown kind of fix {fix.kind!r}"
    return None if ok else f"{_shown(current)} is not a weaker value this fix may replace"


def _shown(value: Any) -> str:
    return "the value written" if value is None else repr(value)
