"""The built-in data files (``rulesets/*.yaml``), parsed: found by listing the folder, read from
their parsed copies in ``ccaudit/_bundled/`` (written by ``python -m ccaudit.generate``).

A copy is used only while it matches its source: it records the source's size and CRC-32,
and a source that differs (edited, not yet regenerated) is read from YAML instead. CRC-32
detects every change confined to 32 consecutive bits and any other with odds of 2**-32,
and costs neither the YAML parser nor hashlib's OpenSSL import on each run; the tests
compare every copy with a fresh one byte for byte.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ccaudit.errors import RulesetError
from ccaudit.loader import build_value, load_text
from ccaudit.resources import data_dir

BUNDLE = Path(__file__).parent / "_bundled"


def stamp(source: bytes) -> str:
    """What a parsed copy records of its source: ``<size>:<crc32>``."""
    return f"{len(source)}:{zlib.crc32(source):08x}"


def copy_of(path: Path) -> Path:
    """Where the parsed copy of the data file ``path`` lives."""
    return BUNDLE / f"{path.stem}.json"


@cache
def builtin_data() -> Mapping[str, Any]:
    """Every data file of ``rulesets/``, by file name, parsed."""
    return {path.name: _read(path) for path in sorted(data_dir("rulesets").glob("*.yaml"))}


def _read(path: Path) -> Any:
    source = path.read_bytes()
    try:
        copy = json.loads(copy_of(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return read_yaml(path)
    return copy["data"] if copy.get("source") == stamp(source) else read_yaml(path)


def read_yaml(path: Path, allow_empty: bool = False) -> Any:
    """The one YAML document of a regular file within the size bound (YAML 1.2 scalars); any
    problem is a RulesetError naming the file. With ``allow_empty``, a file without any
    document (empty or comments only) is None."""
    from ccaudit.files import describe, read_text

    try:
        documents, error = load_text(read_text(path))
        if error is None and len(documents) == 1:
            error = build_value(documents[0]) or next(iter(documents[0].problems), None)
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: also an integer of 4,300+ digits
        raise RulesetError(f"{path}: cannot read: {describe(exc)}") from None
    if error is not None:
        raise RulesetError(f"{path}:{error.span.line}:{error.span.column}: {error.message}")
    if allow_empty and not documents:
        return None
    if len(documents) != 1:
        raise RulesetError(f"{path}: expected exactly one YAML document")
    return documents[0].value
