"""The configuration file: `.ccaudit.yaml` found upwards, else `[tool.ccaudit]` in pyproject.toml.

A bad configuration stops the run (exit 2) with the file, the key and what is allowed.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ccaudit.errors import ConfigError
from ccaudit.model import Waiver
from ccaudit.resources import schema_file

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
    for folder in folders:
        if (folder / NAME).is_file():
            return folder / NAME
    for folder in folders:
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "ccaudit" in _pyproject(candidate).get("tool", {}):
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
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _yaml(path: Path) -> Any:
    from ccaudit.rulesets import RulesetError, read_yaml

    try:
        data = read_yaml(path)
    except RulesetError as exc:
        raise ConfigError(exc.args[0]) from None
    return {} if data is None else data


def _validate(data: Any, path: Path) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_file("config.schema.json").read_text(encoding="utf-8"))
    data = _dates_to_text(data)
    error = min(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path), default=None)
    if error is None:
        return
    where = ".".join(str(p) for p in error.absolute_path) or "top level"
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        unknown = next(k for k in error.instance if k not in error.schema.get("properties", {}))
        raise ConfigError(f"{path}: {where}: unknown key {unknown!r} (allowed: {allowed})")
    if error.validator == "enum":
        raise ConfigError(f"{path}: {where}: {error.instance!r} is not allowed "
                          f"(allowed: {', '.join(map(str, error.validator_value))})")
    raise ConfigError(f"{path}: {where}: {error.message}")


def _dates_to_text(data: Any) -> Any:
    """TOML reads `until = 2027-01-31` as a date; the schema wants the text."""
    if isinstance(data, dict):
        return {k: _dates_to_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_to_text(v) for v in data]
    return data.isoformat() if isinstance(data, date) else data


def _config(data: dict[str, Any], path: Path) -> Config:
    from ccaudit.rulesets import BUILTIN, find_control

    data = _dates_to_text(data)
    folder = path.parent
    waivers = []
    for item in data.get("waivers", ()):
        control = find_control(item["control"])
        if control is None:
            raise ConfigError(f"{path}: waivers: unknown control {item['control']!r} (see `ccaudit rules`)")
        waivers.append(Waiver(control.id, tuple(item.get("paths", ())), item["reason"].strip(), item.get("until")))
    rulesets = tuple(r if r in BUILTIN else str(folder / r) for r in data.get("rulesets", ()))
    baseline = str(folder / data["baseline"]) if "baseline" in data else None
    return Config(str(path), data.get("failOn"), rulesets, data.get("assumeAll"), tuple(data.get("select", ())),
                  tuple(data.get("ignoreControls", ())), tuple(data.get("exclude", ())), tuple(waivers), baseline,
                  data.get("inlineSuppressions"))
