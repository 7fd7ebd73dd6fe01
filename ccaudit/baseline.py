"""The baseline: fingerprints of accepted findings (no line numbers), sorted and stable."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ccaudit.errors import BaselineError
from ccaudit.model import Finding

VERSION = 1


def describe(entry: Mapping[str, str]) -> str:
    return f"{entry['id']} {entry['file']} {entry['path'] or '(file)'}"


def read_baseline(path: str) -> dict[str, str]:
    """fingerprint -> a short description of the finding it stands for."""
    from ccaudit.files import describe as why
    from ccaudit.files import read_text

    try:
        data = json.loads(read_text(path))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, UTF-8, or a 4,300+ digit number
        raise BaselineError(f"{path}: not a ccaudit baseline: {why(exc)}") from None
    try:
        if data.get("version") != VERSION:
            raise BaselineError(f"{path}: unknown baseline version {data.get('version')!r} (expected {VERSION})")
        return {e["fingerprint"]: describe(e) for e in data["findings"]}
    except (KeyError, TypeError, AttributeError) as exc:
        raise BaselineError(f"{path}: not a ccaudit baseline: {exc}") from None


def render_baseline(findings: Iterable[Finding]) -> str:
    """Every finding not suppressed inline or by configuration, sorted."""
    entries = sorted(({"fingerprint": f.fingerprint, "id": f.id, "file": f.file, "path": f.path}
                      for f in findings if f.suppressed is None or f.suppressed.kind == "baseline"),
                     key=lambda e: (e["file"], e["id"], e["path"], e["fingerprint"]))
    return json.dumps({"version": VERSION, "tool": "ccaudit", "findings": entries}, indent=2) + "\n"
