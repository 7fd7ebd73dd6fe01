"""Rulesets as data: the control catalog, the regulations, their triggers, and the merge.

The highest standard: for a manifest, every applicable ruleset contributes its
requirements, and requirements on the same parameter are merged with the merge kind the
catalog declares for it (never one a ruleset chooses), so adding a ruleset can only
tighten the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path as FsPath
from typing import Any, NamedTuple

from ccaudit.datafiles import builtin_data, read_yaml
from ccaudit.errors import RulesetError
from ccaudit.model import CATEGORIES, SENSITIVE, VERIFICATION, Citation, Severity, Upcoming
from ccaudit.regions import region_table
from ccaudit.render import cite
from ccaudit.resources import schema_file


class Parameter(NamedTuple):
    name: str
    merge: str
    type: str
    description: str


class Control(NamedTuple):
    id: str
    slug: str
    title: str
    group: str
    severity: Severity
    suppressible: bool
    parameters: tuple[Parameter, ...]
    docs: Mapping[str, Any]


class ControlRequirement(NamedTuple):
    """One ruleset's requirement of one control."""

    ruleset: str
    control: str
    severity: Severity
    suppressible: bool
    parameters: Mapping[str, Any]
    citations: tuple[Citation, ...]
    note: str = ""
    effective: str | None = None  # YYYY-MM-DD: applies from that day (None: in force)
    status: str = "final"  # final | proposed (merged only when a preview asks for it)

    @property
    def proposed(self) -> bool:
        return self.status == "proposed"

    def refs(self, parameter: str | None = None) -> tuple[Citation, ...]:
        """The citations a finding carries: without quotes, only those backing ``parameter``."""
        chosen = [c for c in self.citations if c.parameter in (None, parameter)] or self.citations
        return tuple(Citation(c.ref, c.verified, None, c.parameter) for c in chosen)


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class Ruleset:
    id: str
    title: str
    applies_when: Mapping[str, Any]
    requirements: Mapping[str, ControlRequirement]
    source: str = ""


# ---- reading -------------------------------------------------------------------------


def check_against(schema_name: str, data: Any, path: FsPath) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_file(schema_name).read_text(encoding="utf-8"))
    error = next(iter(sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: e.path)), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "top level"
        raise RulesetError(f"{path}: {where}: {error.message}")


@cache
def catalog() -> Mapping[str, Control]:
    data = builtin_data()["controls.yaml"]
    return {c["id"]: _control(c) for c in data["controls"]}


def _control(data: Mapping[str, Any]) -> Control:
    params = tuple(Parameter(p["name"], p["merge"], p["type"], p.get("description", ""))
                   for p in data.get("parameters", ()))
    return Control(data["id"], data["slug"], data["title"], data["group"], Severity.parse(data["severity"]),
                   bool(data["suppressible"]), params, data.get("docs", {}))


def find_control(id_or_slug: str) -> Control | None:
    key = id_or_slug.strip()
    for control in catalog().values():
        if key.upper() == control.id or key.lower() == control.slug:
            return control
    return None


def did_you_mean(name: str) -> str:
    """`` (did you mean 'phi-without-baa'?)`` for the nearest control id or slug; empty when none is near."""
    from difflib import get_close_matches

    known = [n for c in catalog().values() for n in (c.id.lower(), c.slug)]
    near = get_close_matches(name.strip().lower(), known, n=1, cutoff=0.75)
    return f" (did you mean {near[0].upper() if near[0].startswith('cca') else near[0]!r}?)" if near else ""


@cache
def _builtin_sources() -> Mapping[str, Mapping[str, Any]]:
    """The files of ``rulesets/`` of kind Ruleset, by id: by ``order``, then by id."""
    found = [data for data in builtin_data().values() if data.get("kind") == "Ruleset"]
    return {data["id"]: data for data in sorted(found, key=lambda d: (d.get("order", float("inf")), d["id"]))}


def builtin_ids() -> tuple[str, ...]:
    """The built-in rulesets, found in ``rulesets/`` (never listed by hand)."""
    return tuple(_builtin_sources())


@cache
def builtin(name: str) -> Ruleset:
    return _ruleset(_builtin_sources()[name], name)


def load_ruleset(name_or_path: str) -> Ruleset:
    """A built-in ruleset by name, or a user's ruleset file (validated against the schema)."""
    if name_or_path in builtin_ids():
        return builtin(name_or_path)
    path = FsPath(name_or_path)
    if not path.exists():  # a FIFO or a device is a file too, and read_yaml says why it cannot be read
        known = ", ".join(builtin_ids())
        raise RulesetError(f"unknown ruleset {name_or_path!r}: not a built-in ({known}) and not a file")
    data = read_yaml(path)
    check_against("ruleset.schema.json", data, path)
    if data["id"] in builtin_ids():
        raise RulesetError(f"{path}: id {data['id']!r} is a built-in ruleset's; give your ruleset its own id "
                           "(both then apply, merged to the stricter)")
    return _ruleset(data, str(path))


def _ruleset(data: Mapping[str, Any], origin: str) -> Ruleset:
    controls = catalog()
    requirements: dict[str, ControlRequirement] = {}
    for item in data["requirements"]:
        control = controls.get(item["control"])
        if control is None:
            raise RulesetError(f"{origin}: requirement names unknown control {item['control']!r}")
        declared = {p.name for p in control.parameters}
        unknown = set(item.get("parameters", {})) - declared
        if unknown:
            raise RulesetError(f"{origin}: {control.id} has no parameter {sorted(unknown)[0]!r}"
                               f" (it takes: {', '.join(sorted(declared)) or 'none'})")
        requirements[control.id] = ControlRequirement(
            data["id"], control.id, Severity.parse(item.get("severity", str(control.severity))),
            bool(item.get("suppressible", control.suppressible)), dict(item.get("parameters", {})),
            tuple(Citation(c["ref"], c.get("verified", True), c.get("quote"), c.get("parameter"))
                  for c in item["citations"]),
            item.get("note", ""), _date(item.get("effective")), item.get("status", "final"))
    return Ruleset(data["id"], data["title"], data["appliesWhen"], requirements, data.get("source", ""))


def _date(value: Any) -> str | None:
    """``effective`` as YYYY-MM-DD (YAML 1.1 may have read it as a date)."""
    return None if value is None else str(value)


# ---- applicability -------------------------------------------------------------------


def personal_data(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """PD: the spec's, the tools' and the vendors' categories (missing ones fail closed)."""
    found = set(strings(spec.get("dataCategories")))
    for key, field in (("tools", "dataCategories"), ("vendors", "receives")):
        for item in _dicts(spec.get(key)):
            found.update(strings(item.get(field)))
    return tuple(c for c in CATEGORIES if c in found)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    """The strings of a list (items that broke the schema dropped); [] if not a list."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def applies(condition: Mapping[str, Any], manifest: Mapping[str, Any], pd: Iterable[str]) -> bool:
    if condition.get("always"):
        return True
    if "any" in condition:
        return any(applies(c, manifest, pd) for c in condition["any"])
    if "all" in condition:
        return all(applies(c, manifest, pd) for c in condition["all"])
    if "personalDataIncludes" in condition:
        return bool(set(condition["personalDataIncludes"]) & set(pd))
    if "dataSubjectsIn" in condition:
        subjects = strings(manifest.get("spec", {}).get("dataSubjects"))
        return region_table().subjects_match(subjects, condition["dataSubjectsIn"])
    if "field" in condition:
        value = _lookup(manifest, condition["field"])
        if "equals" in condition:
            return value is not _ABSENT and value == condition["equals"]
        return value is _ABSENT or value != condition["notEquals"]
    raise RulesetError(f"unknown condition {sorted(condition)}")


_ABSENT = object()


def _lookup(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


# ---- the highest standard ------------------------------------------------------------


class When(NamedTuple):
    """Which requirements are in force: those effective on ``as_of`` (YYYY-MM-DD; None: every
    dated one), and proposed ones only when ``include_proposed`` asks for a preview."""

    as_of: str | None = None
    include_proposed: bool = False

    def admits(self, requirement: ControlRequirement) -> bool:
        if requirement.proposed and not self.include_proposed:
            return False
        return not self.pending(requirement)

    def pending(self, requirement: ControlRequirement) -> bool:
        """Not yet effective on ``as_of``: it contributes nothing and is listed as upcoming."""
        return self.as_of is not None and requirement.effective is not None and requirement.effective > self.as_of


def in_force(ruleset: Ruleset, control_id: str, when: When) -> ControlRequirement | None:
    requirement = ruleset.requirements.get(control_id)
    return requirement if requirement is not None and when.admits(requirement) else None


def upcoming(rulesets: Iterable[Ruleset], pd: tuple[str, ...], when: When) -> tuple[Upcoming, ...]:
    """Requirements of ``rulesets`` not yet effective on ``when.as_of``, one per parameter, by date."""
    out = []
    for ruleset in rulesets:
        for requirement in ruleset.requirements.values():
            if when.pending(requirement) and (when.include_proposed or not requirement.proposed):
                out.extend(_upcoming(requirement, pd))
    return tuple(sorted(out, key=lambda u: (u.effective, u.ruleset, u.control, u.parameter or "")))


def _upcoming(requirement: ControlRequirement, pd: tuple[str, ...]) -> list[Upcoming]:
    assert requirement.effective is not None
    params: list[tuple[str | None, Any]] = list(requirement.parameters.items()) or [(None, None)]
    return [Upcoming(requirement.ruleset, requirement.control, name, _frozen(resolve_value(value, pd)),
                     requirement.effective, cite(requirement.refs(name), marked=False))
            for name, value in params]


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Effective(NamedTuple):
    """A merged parameter: the effective value and each ruleset's own value."""

    name: str
    merge: str
    value: Any
    by_ruleset: Mapping[str, Any]

    def binding(self, ruleset: str) -> bool:
        return ruleset in self.by_ruleset and self.by_ruleset[ruleset] == self.value


class ControlStandard(NamedTuple):
    """What the applicable rulesets require of one control, merged."""

    control: Control
    requirements: tuple[ControlRequirement, ...]
    parameters: Mapping[str, Effective]

    def value(self, name: str) -> Any:
        effective = self.parameters.get(name)
        return None if effective is None else effective.value

    @property
    def severity(self) -> Severity:
        return max(r.severity for r in self.requirements)


def resolve_value(value: Any, pd: tuple[str, ...]) -> Any:
    if isinstance(value, dict) and "fromPersonalData" in value:
        return [c for c in pd if value["fromPersonalData"] == "all" or c in SENSITIVE]
    return value


def merge(kind: str, values: list[Any]) -> Any:
    if kind == "min":
        return min(values)
    if kind == "max":
        return max(values)
    if kind == "any":
        return any(values)
    if kind == "strongest":
        return max(values, key=VERIFICATION.index)
    if kind == "union":
        wanted = {c for v in values for c in v}
        return [c for c in CATEGORIES if c in wanted]
    raise RulesetError(f"unknown merge kind {kind!r}")


def standard(rulesets: Iterable[Ruleset], pd: tuple[str, ...], when: When = When()) -> dict[str, ControlStandard]:
    """Every control required by at least one of ``rulesets`` in force ``when``, with merged parameters.

    A requirement that is not yet effective, or only proposed, contributes nothing; one that is
    in force merges like any other, so it can only tighten.
    """
    return {control.id: ControlStandard(control, requirements, _merge_parameters(control, requirements, pd))
            for control, requirements in _in_force(tuple(rulesets), when)}


@lru_cache(maxsize=256)
def _in_force(rulesets: tuple[Ruleset, ...], when: When) -> tuple[tuple[Control, tuple[ControlRequirement, ...]], ...]:
    """Per control that any of ``rulesets`` requires ``when``, those requirements (whatever the
    personal data, so once per set of rulesets and date)."""
    out = []
    for control in catalog().values():
        requirements = tuple(r for r in (in_force(ruleset, control.id, when) for ruleset in rulesets) if r is not None)
        if requirements:
            out.append((control, requirements))
    return tuple(out)


def _merge_parameters(control: Control, requirements: tuple[ControlRequirement, ...],
                      pd: tuple[str, ...]) -> dict[str, Effective]:
    merged: dict[str, Effective] = {}
    for param in control.parameters:
        own = {r.ruleset: resolve_value(r.parameters[param.name], pd)
               for r in requirements if param.name in r.parameters}
        if own:
            merged[param.name] = Effective(param.name, param.merge, merge(param.merge, list(own.values())), own)
    return merged


def applicable(manifest: Mapping[str, Any], pd: tuple[str, ...], extra: Iterable[Ruleset] = (),
               assume_all: bool = False) -> tuple[Ruleset, ...]:
    """Built-ins whose trigger holds (or all, with ``assume_all``), ``spec.regulations``, then ``extra``."""
    spec = manifest.get("spec", {})
    named = set(strings(spec.get("regulations")))
    chosen = [builtin(n) for n in builtin_ids()
              if assume_all or n in named or applies(builtin(n).applies_when, manifest, pd)]
    for ruleset in extra:
        if all(ruleset.id != r.id for r in chosen):
            chosen.append(ruleset)
    return tuple(chosen)

