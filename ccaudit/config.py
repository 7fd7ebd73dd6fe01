"""The configuration file: `.ccaudit.yaml` found upwards, else `[tool.ccaudit]` in pyproject.toml.

A bad configuration stops the run (exit 2) with the file, the key and what is allowed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ccaudit.errors import ConfigError
from ccaudit.model import Waiver

NAME = ".ccaudit.yaml"


class Config(NamedTuple):
    """The configuration's settings; paths already resolved against the file's folder."""

    source: str | None = None
    fail_on: str | None = None
    rulesets: tuple[str, ...] = ()
    assume_all: bool | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    baseline: str | None = None
    inline_suppressions: bool | None = None


def discover_config(start: Path) -> Path | None:
    """The nearest `.ccaudit.yaml` upwards; else the nearest pyproject.toml with [tool.ccaudit]."""
    folders = [start, *start.parents]
    for folder in folders:  # exists(), not is_file(): a FIFO or a link to a device is reported, not skipped
        if (folder / NAME).exists():
            return folder / NAME
    for folder in folders:
        candidate = folder / "pyproject.toml"
        if candidate.exists() and "ccaudit" in _pyproject(candidate).get("tool", {}):
            return candidate
    return None


def load_config(path: Path) -> Config:
    data = _pyproject(path).get("tool", {}).get("ccaudit", {}) if path.name == "pyproject.toml" else _yaml(path)
    _validate(data, path)
    return _config(data, path)


def _pyproject(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    from ccaudit.files import describe, read_text

    try:
        return tomllib.loads(read_text(path))
    except (OSError, ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError
        raise ConfigError(f"{path}: cannot read: {describe(exc)}") from None


def _yaml(path: Path) -> Any:
    from ccaudit.rulesets import RulesetError, read_yaml

    try:
        data = read_yaml(path, allow_empty=True)
    except RulesetError as exc:
        raise ConfigError(exc.args[0]) from None
    return {} if data is None else data


def _validate(data: Any, path: Path) -> None:
    """Against schemas/config.schema.json (compiled: ccaudit/_config_errors.py); the first error stops the run."""
    from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException

    from ccaudit._config_errors import check

    try:
        check(_dates_to_text(data))
    except JsonSchemaValuesException as exc:
        raise ConfigError(f"{path}: {_message(exc.errors[0])}") from None
    except JsonSchemaValueException as exc:
        raise ConfigError(f"{path}: {_message(exc)}") from None


def _message(error: Any) -> str:
    """``waivers.0.until: 'soon' does not match ...``: the key path, what is wrong, what is allowed."""
    where = ".".join(error.path[1:]) or "top level"
    expected, value = error.rule_definition, error.value
    if error.rule == "additionalProperties":
        known = error.definition.get("properties", {})
        unknown = next(k for k in value if k not in known)
        return f"{where}: unknown key {unknown!r} (allowed: {', '.join(known)})"
    if error.rule == "enum":
        return f"{where}: {value!r} is not allowed (allowed: {', '.join(map(str, expected))})"
    if error.rule == "type":
        return f"{where}: expected {expected}, found {value!r}"
    if error.rule == "required":
        missing = next(k for k in expected if k not in value)
        return f"{where}: required key {missing!r} is missing"
    if error.rule == "pattern":
        return f"{where}: {value!r} does not match {expected}"
    return f"{where}: {error.message}"


def _dates_to_text(data: Any) -> Any:
    """TOML reads `until = 2027-01-31` as a date; the schema wants the text."""
    if isinstance(data, dict):
        return {k: _dates_to_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_to_text(v) for v in data]
    return data.isoformat() if isinstance(data, date) else data


def _config(data: dict[str, Any], path: Path) -> Config:
    from ccaudit.rulesets import builtin_ids, find_control

    data = _dates_to_text(data)
    folder = path.parent
    waivers = []
    for item in data.get("waivers", ()):
        control = find_control(item["control"])
        if control is None:
            raise ConfigError(f"{path}: waivers: unknown control {item['control']!r} (see `ccaudit rules`)")
        _check_date(item.get("until"), path)
        waivers.append(Waiver(control.id, _anchored(item.get("paths", ()), folder), item["reason"].strip(),
                              item.get("until")))
    builtins = builtin_ids()
    rulesets = tuple(r if r in builtins else str(folder / r) for r in data.get("rulesets", ()))
    for name, original in zip(rulesets, data.get("rulesets", ()), strict=True):
        if name not in builtins and not Path(name).exists():
            raise ConfigError(f"{path}: rulesets: {original!r} is neither a built-in ruleset "
                              f"({', '.join(builtins)}) nor a file")
    for key in ("select", "ignoreControls"):
        _check_controls(data.get(key, ()), key, path)
    baseline = str(folder / data["baseline"]) if "baseline" in data else None
    return Config(str(path), data.get("failOn"), rulesets, data.get("assumeAll"), tuple(data.get("select", ())),
                  tuple(data.get("ignoreControls", ())), _anchored(data.get("exclude", ()), folder), tuple(waivers),
                  baseline, data.get("inlineSuppressions"))


def _anchored(globs: Iterable[str], folder: Path) -> tuple[str, ...]:
    """Globs of a configuration file are relative to its folder, wherever ccaudit runs from
    (normalised as displayed paths are; os.path, not pathlib: a long list stays cheap)."""
    import os

    root = str(folder.resolve())
    return tuple(os.path.normpath(os.path.join(root, glob)) for glob in globs)


def _check_date(text: str | None, path: Path) -> None:
    from ccaudit.suppress import is_date

    if text is not None and not is_date(text):
        raise ConfigError(f"{path}: waivers: until {text!r} is not a date (YYYY-MM-DD)")


def _check_controls(names: Iterable[str], key: str, path: Path) -> None:
    from ccaudit.evaluate import selection_problem

    problem = selection_problem(names, ignoring=key == "ignoreControls")
    if problem:
        raise ConfigError(f"{path}: {key}: {problem}")
