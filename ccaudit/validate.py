"""Schema stage: check a manifest against schemas/manifest.schema.json, locate every error.

An unknown key is reported (CCA002) and dropped; a value of the wrong type is reported and
then counts as missing; a plain yes/no/on/off where a boolean is expected is CCA004. What
was written instead of a dropped value is kept in ``Document.rejected``, so that a control
reading it fails closed and still says what is there ("is `yes`, not a boolean").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from ccaudit.loader import (
    AMBIGUOUS_BOOLEANS,
    Document,
    LoadProblem,
    cut,
    is_plain_scalar,
    locate,
    shorten,
)
from ccaudit.model import Path, PathPart, dotted
from ccaudit.render import flow

SUPPORTED_VERSIONS = ("ccaudit/v1",)


class Invalid:
    """Stands in a list for an item that broke the schema, so indices keep their places."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = Invalid()


class Validated(NamedTuple):
    problems: tuple[LoadProblem, ...]
    stop: bool  # the manifest cannot be checked further


def _fatal(document: Document) -> LoadProblem | None:
    value = document.value
    if not isinstance(value, dict):
        return LoadProblem("CCA002", locate(document.node, ()), "a manifest must be a mapping")
    version = value.get("apiVersion")
    if version not in SUPPORTED_VERSIONS:
        known = ", ".join(SUPPORTED_VERSIONS)
        return LoadProblem("CCA002", locate(document.node, ("apiVersion",)),
                           f"unknown apiVersion {version!r}: this release of ccaudit understands {known}",
                           ("apiVersion",))
    if not isinstance(value.get("spec"), dict):
        return LoadProblem("CCA002", locate(document.node, ("spec",)),
                           "spec is missing or not a mapping: nothing can be checked", ("spec",))
    return None


def is_valid(value: Any) -> bool:
    """The fast verdict: the schema compiled to Python (ccaudit/_manifest_check.py, generated)."""
    from ccaudit._manifest_check import JsonSchemaValueException, check

    try:
        check(value)
    except JsonSchemaValueException:
        return False
    return True


class SchemaError(NamedTuple):
    """One schema error, located: the rule broken, what the schema expects, the value found."""

    path: Path
    rule: str
    expected: Any
    instance: Any
    schema: Mapping[str, Any]  # the (sub)schema holding the rule
    text: str  # the validator's own wording, after the path


def schema_errors(value: Any) -> list[SchemaError]:
    """Every schema error of a manifest, from the schema compiled with all errors collected
    (ccaudit/_manifest_errors.py, generated); loaded only for a manifest that is not valid."""
    from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException

    from ccaudit._manifest_errors import check

    try:
        check(value)
    except JsonSchemaValuesException as exc:
        return [_error(e, value) for e in exc.errors]
    except JsonSchemaValueException as exc:
        return [_error(exc, value)]
    return []


def _error(exc: Any, value: Any) -> SchemaError:
    text = exc.message[len(exc.name):].strip() if exc.name and exc.message.startswith(exc.name) else exc.message
    path = tuple(_resolve(value, (exc.name or "data")[len("data"):]) or ())
    return SchemaError(path, exc.rule or "", exc.rule_definition, exc.value, exc.definition or {}, text)


def _resolve(node: Any, rest: str) -> list[PathPart] | None:
    """The path that the rest of the validator's dotted name (``.tools[0].scopes``) stands for,
    read against the value, since a key may hold "." or "[" (longest keys first, a few tried
    per level); None if nothing spells it."""
    if not rest:
        return []
    for part, after in _steps(node, rest)[:3]:
        tail = _resolve(node[part], after)
        if tail is not None:
            return [part, *tail]
    return None


def _steps(node: Any, rest: str) -> list[tuple[PathPart, str]]:
    """The parts ``rest`` may start with in ``node`` (longest first), and what remains after each:
    a key ends where the name has ".", "[" or its end, so each such place is tried."""
    if isinstance(node, list) and rest.startswith("["):
        index, _, after = rest[1:].partition("]")
        return [(int(index), after)] if index.isdigit() and int(index) < len(node) else []
    if not (isinstance(node, dict) and rest.startswith(".")):
        return []
    ends = [i for i, c in enumerate(rest) if i > 0 and c in ".["] + [len(rest)]
    return [(rest[1:i], rest[i:]) for i in reversed(ends) if rest[1:i] in node]


def validate(document: Document) -> Validated:
    """Report schema errors and remove what broke the schema from ``document.value``.

    Valid manifests (most) take the fast path; the others are checked again, collecting
    every error with its location.
    """
    fatal = _fatal(document)
    if fatal is not None:
        return Validated((fatal,), True)
    if is_valid(document.value):
        return Validated((), False)
    problems: list[LoadProblem] = []
    drop: list[Path] = []
    for error in schema_errors(document.value):
        if error.rule == "additionalProperties":
            for key in _unknown_keys(error):
                problems.append(_unknown_key(document, (*error.path, key), error.schema))
                drop.append((*error.path, key))
        elif error.rule == "required":
            problems.extend(_missing(document, error))
        elif error.path not in drop:  # one finding per wrong value, however many rules it breaks
            problems.append(_problem(document, error))
            document.rejected[error.path] = _rejected(document, error)
            drop.append(error.path)
    for path in sorted(set(drop), key=len, reverse=True):
        _remove(document.value, path)
    return Validated(tuple(problems), False)


def _unknown_keys(error: SchemaError) -> list[str]:
    known = error.schema.get("properties", {})
    return [key for key in error.instance if key not in known]


def _unknown_key(document: Document, path: Path, schema: Mapping[str, Any]) -> LoadProblem:
    from difflib import get_close_matches

    key = str(path[-1])
    allowed = sorted(schema.get("properties", {}))
    guess = get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else f" (allowed: {', '.join(allowed)})"
    where = dotted(path[:-1]) or "the top level"
    return LoadProblem("CCA002", locate(document.node, path, whole=False),
                       f"unknown key {key!r} in {where}{hint}", path)


def _missing(document: Document, error: SchemaError) -> list[LoadProblem]:
    where = dotted(error.path) or "the top level"
    return [LoadProblem("CCA002", locate(document.node, (*error.path, key)),
                        f"required key {key!r} is missing in {where}", (*error.path, key))
            for key in error.expected if key not in error.instance]


def _problem(document: Document, error: SchemaError) -> LoadProblem:
    path = error.path
    if _is_ambiguous_boolean(document, error):
        return LoadProblem("CCA004", locate(document.node, path),
                           f"{dotted(path)}: {error.instance!r} is not a boolean in YAML 1.2; "
                           "write true or false (the value counts as missing)", path)
    return LoadProblem("CCA002", locate(document.node, path), f"{dotted(path)}: {_describe(error)}", path)


def _rejected(document: Document, error: SchemaError) -> str:
    """What a control says of the value it cannot use: "`yes`, not a boolean"."""
    written = f"`{cut(flow(error.instance))}`"
    if _is_ambiguous_boolean(document, error):
        return f"{written}, not a boolean"
    if error.rule in _FORM_RULES:
        return f"{written}, not {allowed_forms(error.path)}"
    return f"{written}, which is not valid ({error.text})"


def _is_ambiguous_boolean(document: Document, error: SchemaError) -> bool:
    return (error.rule == "type" and error.expected == "boolean"
            and isinstance(error.instance, str) and error.instance.lower() in AMBIGUOUS_BOOLEANS
            and is_plain_scalar(document.node, error.path))


_FORM_RULES = frozenset({"type", "enum", "const", "oneOf", "anyOf", "if", "then"})


def _describe(error: SchemaError) -> str:
    instance = shorten(error.instance)
    if error.rule in _FORM_RULES and _is_union(property_schema(error.path)):
        return f"{instance} is not allowed (allowed: {allowed_forms(error.path)})"
    if error.rule == "enum":
        allowed = ", ".join(str(v) for v in error.expected)
        return f"{instance} is not allowed (allowed: {allowed})"
    if error.rule == "type":
        expected = error.expected
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, found {_shown(error.instance)}"
    if error.rule == "pattern":
        expected = error.schema.get("description", error.expected)
        return f"{instance} does not have the expected form ({expected})"
    return f"{instance} {error.text}"


# ---- what the schema allows at a path ------------------------------------------------------

_TYPE_FORMS = {"boolean": "a boolean", "number": "a number", "string": "a string", "array": "a list",
               "object": "a mapping", "null": "null"}


@cache
def _manifest_schema() -> Mapping[str, Any]:
    import json

    from ccaudit.resources import schema_file

    return json.loads(schema_file("manifest.schema.json").read_text(encoding="utf-8"))


def _resolved(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema with its ``$ref`` (into this schema's ``$defs``) followed; its own keys win."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or "#/" not in ref:
        return schema
    target: Any = _manifest_schema()
    for part in ref.split("#/", 1)[1].split("/"):
        target = target.get(part, {})
    return {**_resolved(target), **{k: v for k, v in schema.items() if k != "$ref"}}


def property_schema(path: Path) -> Mapping[str, Any]:
    """The (sub)schema that describes the value at ``path`` of a manifest ({} if none does)."""
    schema = _resolved(_manifest_schema())
    for part in path:
        if isinstance(part, int):
            schema = schema.get("items", {})
        else:
            extra = schema.get("additionalProperties")
            schema = schema.get("properties", {}).get(part, extra if isinstance(extra, dict) else {})
        schema = _resolved(schema)
    return schema


def _is_union(schema: Mapping[str, Any]) -> bool:
    return isinstance(schema.get("type"), list) or "oneOf" in schema or "anyOf" in schema


def allowed_forms(path: Path) -> str:
    """Every form the schema allows at ``path``: "a whole number of days, or one of: indefinite, forever"."""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    return _forms(property_schema(path), key)


def _forms(schema: Mapping[str, Any], key: str) -> str:
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return ", or ".join(_forms(_resolved(b), key) for b in branches)
    if "enum" in schema:
        return "one of: " + ", ".join(flow(v) for v in schema["enum"])
    types = schema.get("type", [])
    types = types if isinstance(types, list) else [types]
    return ", or ".join(_type_form(t, schema, key) for t in types) or "a valid value"


def _type_form(name: str, schema: Mapping[str, Any], key: str) -> str:
    if name == "integer":
        unit = next((f" of {u.lower()}" for u in ("Days", "Hours") if key.endswith(u)), "")
        return f"a whole number{unit}"
    then = schema.get("then", {})
    if schema.get("if", {}).get("type") == name and "enum" in then:  # "if a string, then one of ..."
        return _forms(then, key)
    return _TYPE_FORMS.get(name, name)


def _shown(value: Any) -> str:
    """``null``, ``boolean true``, ``string 'yes'``: the value found, as YAML names it."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else f"boolean {str(value).lower()}"
    return f"{type_name(value)} {value!r}"


def type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _remove(value: Any, path: Path) -> None:
    parent = value
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = INVALID
