"""Schema stage: check a manifest against schemas/manifest.schema.json, locate every error.

An unknown key is reported (CCA002) and dropped; a value of the wrong type is reported and
then counts as missing; a plain yes/no/on/off where a boolean is expected is CCA004.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, NamedTuple

from ccaudit.loader import AMBIGUOUS_BOOLEANS, Document, LoadProblem, is_plain_scalar, locate
from ccaudit.model import Path
from ccaudit.resources import schema_file

SUPPORTED_VERSIONS = ("ccaudit/v1",)


class Invalid:
    """Stands in a list for an item that broke the schema, so indices keep their places."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = Invalid()


class Validated(NamedTuple):
    problems: tuple[LoadProblem, ...]
    stop: bool  # the manifest cannot be checked further


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_file("manifest.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


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


def validate(document: Document) -> Validated:
    """Report schema errors and remove what broke the schema from ``document.value``.

    Valid manifests (most) take the fast path; jsonschema locates the errors of the others.
    """
    fatal = _fatal(document)
    if fatal is not None:
        return Validated((fatal,), True)
    if is_valid(document.value):
        return Validated((), False)
    problems: list[LoadProblem] = []
    drop: list[Path] = []
    for error in _validator().iter_errors(document.value):
        path: Path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            for key in _unknown_keys(error):
                problems.append(_unknown_key(document, (*path, key), error.schema))
                drop.append((*path, key))
            continue
        problems.append(_problem(document, error, path))
        if error.validator != "required":
            drop.append(path)
    for path in sorted(set(drop), key=len, reverse=True):
        _remove(document.value, path)
    return Validated(tuple(problems), False)


def _unknown_keys(error: Any) -> list[str]:
    known = error.schema.get("properties", {})
    return [key for key in error.instance if key not in known]


def _unknown_key(document: Document, path: Path, schema: dict[str, Any]) -> LoadProblem:
    key = str(path[-1])
    allowed = sorted(schema.get("properties", {}))
    from difflib import get_close_matches

    guess = get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else f" (allowed: {', '.join(allowed)})"
    where = dotted(path[:-1]) or "the top level"
    return LoadProblem("CCA002", locate(document.node, path, whole=False),
                       f"unknown key {key!r} in {where}{hint}", path)


def _problem(document: Document, error: Any, path: Path) -> LoadProblem:
    if _is_ambiguous_boolean(document, error, path):
        return LoadProblem("CCA004", locate(document.node, path),
                           f"{dotted(path)}: {error.instance!r} is not a boolean in YAML 1.2; "
                           "write true or false (the value counts as missing)", path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a required key"
        where = dotted(path) or "the top level"
        return LoadProblem("CCA002", locate(document.node, (*path, missing)),
                           f"required key {missing!r} is missing in {where}", (*path, missing))
    return LoadProblem("CCA002", locate(document.node, path), f"{dotted(path)}: {_describe(error)}", path)


def _is_ambiguous_boolean(document: Document, error: Any, path: Path) -> bool:
    return (error.validator == "type" and error.validator_value == "boolean"
            and isinstance(error.instance, str) and error.instance.lower() in AMBIGUOUS_BOOLEANS
            and is_plain_scalar(document.node, path))


def _describe(error: Any) -> str:
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{error.instance!r} is not allowed (allowed: {allowed})"
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, found {type_name(error.instance)} {error.instance!r}"
    if error.validator == "pattern":
        expected = error.schema.get("description", error.validator_value)
        return f"{error.instance!r} does not have the expected form ({expected})"
    return str(error.message)


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


def dotted(path: Path) -> str:
    """``spec.tools[2].scopes[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
