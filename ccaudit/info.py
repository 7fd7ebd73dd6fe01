"""The informational commands: `standard`, `rules`, `explain` (text, JSON or Markdown)."""

from __future__ import annotations

import json
from typing import Any

from ccaudit.errors import Stop
from ccaudit.render import cite, flow
from ccaudit.reporters.json import upcoming_row
from ccaudit.rulesets import (
    Control,
    ControlRequirement,
    ControlStandard,
    Ruleset,
    When,
    applicable,
    builtin,
    builtin_ids,
    catalog,
    find_control,
    load_ruleset,
    personal_data,
    standard,
    upcoming,
)

# ---- standard ------------------------------------------------------------------------


def standard_rows(merged: dict[str, ControlStandard]) -> list[dict[str, Any]]:
    rows = []
    for control_id, std in merged.items():
        by_ruleset = {r.ruleset: r for r in std.requirements}
        for name, effective in std.parameters.items():
            binding = [r for r in effective.by_ruleset if effective.binding(r)] if effective.merge != "union" \
                else [r for r, v in effective.by_ruleset.items() if v]
            rows.append({
                "control": control_id, "parameter": name, "merge": effective.merge, "value": effective.value,
                "binding": [{"ruleset": r, "citation": cite(by_ruleset[r].refs(name))} for r in binding],
                "others": {r: v for r, v in effective.by_ruleset.items() if r not in binding},
            })
    return rows


def standard_report(path: str, extra: tuple[Ruleset, ...], assume_all: bool, fmt: str, when: When = When()) -> str:
    from ccaudit.pipeline import manifest_values

    manifests = manifest_values(path)
    if not manifests:
        raise Stop(f"{path} holds no valid AgentDeployment manifest (run `ccaudit check {path}`)")
    reports = []
    for manifest in manifests:
        pd = personal_data(manifest["spec"])
        rulesets = applicable(manifest, pd, extra, assume_all)
        merged = standard(rulesets, pd, when)
        reports.append({"manifest": (manifest.get("metadata") or {}).get("name"), "asOf": when.as_of,
                        "includeProposed": when.include_proposed, "personalData": list(pd),
                        "rulesets": [r.id for r in rulesets], "controls": sorted(merged),
                        "parameters": standard_rows(merged),
                        "upcoming": [upcoming_row(u) for u in upcoming(rulesets, pd, when)]})
    if fmt == "json":
        return json.dumps(reports, indent=2) + "\n"
    return "\n".join(_standard_text(r) for r in reports)


def _standard_text(report: dict[str, Any]) -> str:
    preview = " (proposed rules included)" if report["includeProposed"] else ""
    lines = [f"Manifest: {report['manifest']}",
             f"Rulesets applied: {', '.join(report['rulesets'])}",
             f"Personal data: {', '.join(report['personalData']) or 'none'}",
             f"Controls required: {len(report['controls'])}",
             f"As of: {report['asOf'] or 'every dated requirement'}{preview}", ""]
    table = [("parameter", "effective", "binding (citation)", "other rulesets")]
    for row in report["parameters"]:
        binding = "; ".join(f"{b['ruleset']}: {b['citation']}" for b in row["binding"])
        others = ", ".join(f"{r} {flow(v)}" for r, v in row["others"].items()) or "-"
        table.append((f"{row['control']} {row['parameter']} ({row['merge']})", flow(row["value"]), binding, others))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for row in table:
        lines.append("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines + _upcoming_text(report["upcoming"])) + "\n"


def _upcoming_text(rows: list[dict[str, Any]]) -> list[str]:
    """``Upcoming``: each requirement not yet effective, by date (nothing when there is none)."""
    if not rows:
        return []
    out = ["", "Upcoming (not yet in force; they apply from the date shown)"]
    for row in rows:
        what = f"{row['parameter']} {flow(row['value'])}" if row["parameter"] else "required"
        out.append(f"  {row['effective']}  {row['ruleset']}  {row['control']} {what}  ({row['citation']})")
    return out


# ---- rules ---------------------------------------------------------------------------


def _requirers(control: Control, rulesets: tuple[Ruleset, ...], when: When) -> list[dict[str, Any]]:
    return [_requirer(r.requirements[control.id], when) for r in rulesets if control.id in r.requirements]


def _requirer(requirement: ControlRequirement, when: When) -> dict[str, Any]:
    out = {"ruleset": requirement.ruleset, "severity": str(requirement.severity),
           "parameters": dict(requirement.parameters), "citation": cite(requirement.citations)}
    state = _state(requirement, when)
    return {**out, "effective": requirement.effective, "status": state} if state != "in force" else out


def _state(requirement: ControlRequirement, when: When) -> str:
    """``in force``, ``upcoming`` (from a later date) or ``proposed`` (merged only in a preview)."""
    if when.pending(requirement):
        return "upcoming"
    return "proposed" if requirement.proposed else "in force"


def _when_note(requirer: dict[str, Any]) -> str:
    status = requirer.get("status")
    if status == "upcoming":
        return f" [from {requirer['effective']}]"
    return f" [{status}]" if status else ""


def rules_report(ruleset: str | None, fmt: str, when: When = When()) -> str:
    rulesets = (load_ruleset(ruleset),) if ruleset else tuple(builtin(n) for n in builtin_ids())
    rows: list[dict[str, Any]] = []
    for control in catalog().values():
        requirers = _requirers(control, rulesets, when)
        if ruleset and not requirers:
            continue
        rows.append({"id": control.id, "slug": control.slug, "severity": str(control.severity),
                     "title": control.title, "suppressible": control.suppressible, "requiredBy": requirers})
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if fmt == "markdown":
        out = ["| id | slug | severity | required by |", "|---|---|---|---|"]
        out += [f"| {r['id']} | {r['slug']} | {r['severity']} | "
                + ("<br>".join(f"{q['ruleset']}: {q['citation']}{_when_note(q)}" for q in r["requiredBy"])
                   or "always on") + " |"
                for r in rows]
        return "\n".join(out) + "\n"
    lines: list[str] = []
    for r in rows:
        lines.append(f"{r['id']}  {r['slug']}  [{r['severity']}]  {r['title']}")
        lines += [f"    {q['ruleset']}: {q['citation']}{_when_note(q)}" for q in r["requiredBy"]] or ["    always on"]
    return "\n".join(lines) + "\n"


# ---- explain -------------------------------------------------------------------------


def explain_report(key: str) -> str | None:
    from ccaudit.docs import page, text

    control = find_control(key)
    return None if control is None else text(page(control.id))
