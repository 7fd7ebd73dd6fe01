"""Where the bundled data lives: inside the package in a wheel, at the repository top otherwise."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder ``rulesets`` or ``schemas``: wheel layout first, then the source tree."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ccaudit data folder {name!r} not found (broken installation)")


def schema_file(name: str) -> Path:
    return data_dir("schemas") / name
