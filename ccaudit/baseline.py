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


def baseline_entries(findings: Iterable[Finding]) -> list[dict[str, str]]:
    """Every finding not suppressed inline or by configuration, sorted."""
    return sorted(({"fingerprint": f.fingerprint, "id": f.id, "file": f.file, "path": f.path}
                   for f in findings if f.suppressed is None or f.suppressed.kind == "baseline"),
                  key=lambda e: (e["file"], e["id"], e["path"], e["fingerprint"]))


def render_baseline(entries: list[dict[str, str]]) -> str:
    return json.dumps({"version": VERSION, "tool": "ccaudit", "findings": entries}, indent=2) + "\n"


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def written_message(count: int, path: str) -> str:
    """What ``--write-baseline`` prints instead of the report."""
    return f"ccaudit: wrote {_count(count, 'entry', 'entries')} to {path}"


def fixed_message(fixed: Iterable[str]) -> str:
    """``1 baseline entry no longer occurs (...)``, then one entry per line."""
    fixed = list(fixed)
    count = _count(len(fixed), "baseline entry no longer occurs", "baseline entries no longer occur")
    return f"ccaudit: {count} (prune them with --write-baseline):\n" + "\n".join(f"  {e}" for e in fixed)
