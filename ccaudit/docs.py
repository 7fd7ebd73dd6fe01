"""A control's page: built once as a structure, rendered as text (`ccaudit explain`) and as
Markdown (SARIF ``help.markdown``); SARIF ``help.text`` is the text page itself.

The page says what the control checks, why, which built-in rulesets require it (each with
its parameters, severity, dates, citations and their quoted wording), a failing and a
passing example, and its parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from ccaudit.render import UNVERIFIED_NOTE, cited, flow, unique
from ccaudit.rulesets import Control, ControlRequirement, builtin, builtin_ids, catalog

ALWAYS_ON = "Always on: an input check that no ruleset can switch off."


class Requirer(NamedTuple):
    """One built-in ruleset's requirement of the control, as the page shows it."""

    ruleset: str
    terms: str  # ``auditLogsDays 2192``: its parameters (empty: none)
    severity: str
    dates: tuple[str, ...]  # ``from 2026-02-16``, ``proposed rule: ...``
    citations: tuple[tuple[str, str], ...]  # (cited reference, its quoted wording or "")
    note: str


class Page(NamedTuple):
    id: str
    slug: str
    severity: str
    title: str
    what: str
    why: str
    requirers: tuple[Requirer, ...]
    examples: tuple[tuple[str, str], ...]  # (title, YAML)
    parameters: tuple[str, ...]  # ``auditLogsDays (max, integer): ...``
    unverified: bool  # a citation is marked unverified: the page says what that means


def requirers(control: Control) -> tuple[tuple[str, ControlRequirement], ...]:
    """The built-in rulesets that require ``control``, in ruleset order."""
    found = (builtin(name) for name in builtin_ids())
    return tuple((r.id, r.requirements[control.id]) for r in found if control.id in r.requirements)


@cache
def page(control_id: str) -> Page:
    control = catalog()[control_id]
    docs = control.docs
    unverified = any(not c.verified for _, r in requirers(control) for c in r.citations)
    return Page(control.id, control.slug, str(control.severity), control.title, _flat(docs.get("what", "")),
                _flat(docs.get("why", "")), tuple(_requirer(r) for _, r in requirers(control)),
                tuple(_examples(control)),
                tuple(f"{p.name} ({p.merge}, {p.type}): {p.description}" for p in control.parameters), unverified)


def _requirer(requirement: ControlRequirement) -> Requirer:
    dates = ((f"from {requirement.effective}",) if requirement.effective else ()) + (
        ("proposed rule: counts only with --include-proposed",) if requirement.proposed else ())
    return Requirer(requirement.ruleset, ", ".join(f"{k} {flow(v)}" for k, v in requirement.parameters.items()),
                    str(requirement.severity), dates,
                    tuple((cited(c), _flat(c.quote or "")) for c in unique(requirement.citations)),
                    _flat(requirement.note))


def _examples(control: Control) -> Iterator[tuple[str, str]]:
    example = control.docs.get("example") or {}
    scope = "the whole manifest" if example.get("scope") == "file" else "under spec:"
    for label in ("failing", "passing"):
        code = str(example.get(label, "")).strip("\n").rstrip()
        if code:
            yield f"{label.capitalize()} example ({scope})", code


def _flat(text: str) -> str:
    return " ".join(str(text).split())


# ---- text ----------------------------------------------------------------------------


def text(p: Page) -> str:
    lines = [f"{p.id} {p.slug} [{p.severity}]", p.title, "", "What it does", _indent(p.what), "",
             "Why it matters", _indent(p.why), "", "The law and the rulesets that require it",
             *(_text_requirer(r) for r in p.requirers)]
    if not p.requirers:
        lines.append("    " + ALWAYS_ON)
    if p.unverified:
        lines.append("    " + UNVERIFIED_NOTE)
    for title, code in p.examples:
        lines += ["", title, _indent(code)]
    if p.parameters:
        lines += ["", "Parameters", *("    " + line for line in p.parameters)]
    return "\n".join(lines) + "\n"


def _text_requirer(r: Requirer) -> str:
    head = f"    {r.ruleset}" + (f" ({r.terms})" if r.terms else "") + f" [{r.severity}]"
    lines = [head + "".join(f" [{d}]" for d in r.dates)]
    for ref, quote in r.citations:
        lines.append(f"      {ref}")
        lines += [f"        \"{quote}\""] if quote else []
    lines += [f"      note: {r.note}"] if r.note else []
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.strip("\n").splitlines())


# ---- Markdown ------------------------------------------------------------------------


def markdown(p: Page) -> str:
    lines = [f"**{p.id} `{p.slug}`** ({p.severity}): {p.title}", "", "#### What it does", "", p.what, "",
             "#### Why it matters", "", p.why, "", "#### The law and the rulesets that require it", "",
             *(_markdown_requirer(r) for r in p.requirers)]
    if not p.requirers:
        lines.append("- " + ALWAYS_ON)
    if p.unverified:
        lines += ["", UNVERIFIED_NOTE]
    for title, code in p.examples:
        lines += ["", f"#### {title}", "", "```yaml", code, "```"]
    if p.parameters:
        lines += ["", "#### Parameters", "", *(f"- {line}" for line in p.parameters)]
    return "\n".join(lines) + "\n"


def _markdown_requirer(r: Requirer) -> str:
    head = f"- **{r.ruleset}**" + (f" ({r.terms})" if r.terms else "") + f" [{r.severity}]"
    lines = [head + "".join(f" [{d}]" for d in r.dates)]
    for ref, quote in r.citations:
        lines.append(f"  - {ref}")
        lines += [f"    > {quote}"] if quote else []
    lines += [f"  - note: {r.note}"] if r.note else []
    return "\n".join(lines)
