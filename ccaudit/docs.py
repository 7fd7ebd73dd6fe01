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
    for name, side in (example.get("files") or {}).items():  # side files the examples name
        yield f"Beside the manifest, {name}", str(side).strip("\n").rstrip()


def _flat(text: str) -> str:
    return " ".join(str(text).split())


# ---- text and Markdown: one layout, two styles --------------------------------------


class Style(NamedTuple):
    """How one output format writes the parts of a page."""

    head: str  # from id, slug, severity, title
    section: str  # a heading
    body: str  # a paragraph under a heading ("{}" is each line)
    ruleset: str  # a requiring ruleset
    item: str  # a citation or a note under it
    quote: str  # the quoted wording under a citation
    code: tuple[str, str]  # before and after an example (each line goes through ``body``)
    param: str  # a parameter line


TEXT = Style("{id} {slug} [{severity}]\n{title}", "\n{}", "    {}", "    {}", "      {}", '        "{}"',
             ("", ""), "    {}")
MARKDOWN = Style("**{id} `{slug}`** ({severity}): {title}", "\n#### {}\n", "{}", "- **{}**", "  - {}",
                 "    > {}", ("```yaml", "```"), "- {}")


def text(p: Page) -> str:
    """The page as `ccaudit explain` prints it (and SARIF ``help.text``)."""
    return render(p, TEXT)


def markdown(p: Page) -> str:
    """The page for SARIF ``help.markdown``: the same parts, as Markdown."""
    return render(p, MARKDOWN)


def render(p: Page, style: Style) -> str:
    lines = [style.head.format(**p._asdict())]
    lines += _section(style, "What it does", [p.what]) + _section(style, "Why it matters", [p.why])
    law = [line for r in p.requirers for line in _requirer_lines(r, style)] or [style.body.format(ALWAYS_ON)]
    lines += _section(style, "The law and the rulesets that require it", [], law)
    lines += [style.body.format(UNVERIFIED_NOTE)] if p.unverified else []
    for title, code in p.examples:
        lines += _section(style, title, code.splitlines(), [style.code[0]] if style.code[0] else [])
        lines += [style.code[1]] if style.code[1] else []
    if p.parameters:
        lines += _section(style, "Parameters", [], [style.param.format(line) for line in p.parameters])
    return "\n".join(lines) + "\n"


def _section(style: Style, title: str, body: list[str], before: list[str] | None = None) -> list[str]:
    """A heading, then ``before`` as written, then ``body`` lines in the style's paragraph form."""
    return [style.section.format(title), *(before or []),
            *(style.body.format(line) if line else "" for line in body)]


def _requirer_lines(r: Requirer, style: Style) -> list[str]:
    head = style.ruleset.format(r.ruleset) + (f" ({r.terms})" if r.terms else "") + f" [{r.severity}]"
    lines = [head + "".join(f" [{d}]" for d in r.dates)]
    for ref, quote in r.citations:
        lines += [style.item.format(ref), *([style.quote.format(quote)] if quote else [])]
    return lines + ([style.item.format(f"note: {r.note}")] if r.note else [])
