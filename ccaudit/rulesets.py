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
from functools import cache
from pathlib import Path as FsPath
from typing import Any, NamedTuple

from ccaudit.errors import RulesetError
from ccaudit.loader import build_value, load_text
from ccaudit.model import Citation, Severity
from ccaudit.regions import region_table
from ccaudit.resources import schema_file

CATEGORIES = ("contact", "account", "authentication", "payment_card", "financial", "government_id", "phi",
              "special_category", "biometric", "precise_geolocation", "children")
SENSITIVE = frozenset(CATEGORIES[2:])
VERIFICATION = ("none", "knowledge", "voice_biometric", "otp", "mfa")
BUILTIN = ("gdpr", "ccpa", "hipaa", "ai-security")


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


class Requirement(NamedTuple):
    """One ruleset's requirement of one control."""

    ruleset: str
    control: str
    severity: Severity
    suppressible: bool
    parameters: Mapping[str, Any]
    citations: tuple[Citation, ...]
    note: str = ""

    def refs(self, parameter: str | None = None) -> tuple[Citation, ...]:
        """The citations a finding carries: without quotes, only those backing ``parameter``."""
        chosen = [c for c in self.citations if c.parameter in (None, parameter)] or self.citations
        return tuple(Citation(c.ref, c.verified, None, c.parameter) for c in chosen)


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class Ruleset:
    id: str
    title: str
    applies_when: Mapping[str, Any]
    requirements: Mapping[str, Requirement]
    source: str = ""


# ---- reading -------------------------------------------------------------------------


def read_yaml(path: FsPath) -> Any:
    """One YAML document of a regular file within the size bound; any problem is one line naming the file."""
    from ccaudit.files import describe, read_text

    try:
        documents, error = load_text(read_text(path))
        if error is None and len(documents) == 1:
            error = build_value(documents[0]) or next(iter(documents[0].problems), None)
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: also an integer of 4,300+ digits
        raise RulesetError(f"{path}: cannot read: {describe(exc)}") from None
    if error is not None:
        raise RulesetError(f"{path}:{error.span.line}:{error.span.column}: {error.message}")
    if len(documents) != 1:
        raise RulesetError(f"{path}: expected exactly one YAML document")
    return documents[0].value


def check_against(schema_name: str, data: Any, path: FsPath) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_file(schema_name).read_text(encoding="utf-8"))
    error = next(iter(sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: e.path)), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "top level"
        raise RulesetError(f"{path}: {where}: {error.message}")


@cache
def catalog() -> Mapping[str, Control]:
    from ccaudit.generate import bundled

    data = bundled("controls.yaml")
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


@cache
def builtin(name: str) -> Ruleset:
    from ccaudit.generate import bundled

    return _ruleset(bundled(f"{name}.yaml"), name)


def load_ruleset(name_or_path: str) -> Ruleset:
    """A built-in ruleset by name, or a user's ruleset file (validated against the schema)."""
    if name_or_path in BUILTIN:
        return builtin(name_or_path)
    path = FsPath(name_or_path)
    if not path.exists():  # a FIFO or a device is a file too, and read_yaml says why it cannot be read
        known = ", ".join(BUILTIN)
        raise RulesetError(f"unknown ruleset {name_or_path!r}: not a built-in ({known}) and not a file")
    data = read_yaml(path)
    check_against("ruleset.schema.json", data, path)
    if data["id"] in BUILTIN:
        raise RulesetError(f"{path}: id {data['id']!r} is a built-in ruleset's; give your ruleset its own id "
                           "(both then apply, merged to the stricter)")
    return _ruleset(data, str(path))


def _ruleset(data: Mapping[str, Any], origin: str) -> Ruleset:
    controls = catalog()
    requirements: dict[str, Requirement] = {}
    for item in data["requirements"]:
        control = controls.get(item["control"])
        if control is None:
            raise RulesetError(f"{origin}: requirement names unknown control {item['control']!r}")
        declared = {p.name for p in control.parameters}
        unknown = set(item.get("parameters", {})) - declared
        if unknown:
            raise RulesetError(f"{origin}: {control.id} has no parameter {sorted(unknown)[0]!r}"
                               f" (it takes: {', '.join(sorted(declared)) or 'none'})")
        requirements[control.id] = Requirement(
            data["id"], control.id, Severity.parse(item.get("severity", str(control.severity))),
            bool(item.get("suppressible", control.suppressible)), dict(item.get("parameters", {})),
            tuple(Citation(c["ref"], c.get("verified", True), c.get("quote"), c.get("parameter"))
                  for c in item["citations"]),
            item.get("note", ""))
    return Ruleset(data["id"], data["title"], data["appliesWhen"], requirements, data.get("source", ""))


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
    requirements: tuple[Requirement, ...]
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


def standard(rulesets: Iterable[Ruleset], pd: tuple[str, ...]) -> dict[str, ControlStandard]:
    """Every control required by at least one of ``rulesets``, with merged parameters."""
    result: dict[str, ControlStandard] = {}
    rulesets = tuple(rulesets)
    for control in catalog().values():
        requirements = tuple(r.requirements[control.id] for r in rulesets if control.id in r.requirements)
        if requirements:
            result[control.id] = ControlStandard(control, requirements, _merge_parameters(control, requirements, pd))
    return result


def _merge_parameters(control: Control, requirements: tuple[Requirement, ...],
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
    chosen = [builtin(n) for n in BUILTIN
              if assume_all or n in named or applies(builtin(n).applies_when, manifest, pd)]
    for ruleset in extra:
        if all(ruleset.id != r.id for r in chosen):
            chosen.append(ruleset)
    return tuple(chosen)

