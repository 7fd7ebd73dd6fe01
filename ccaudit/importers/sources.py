"""Source files named by a manifest (``tools[].source``, ``spec.mcpConfigs``): found relative to
the manifest, only inside its repository, read with the manifests' bounds (size, depth,
aliases, regular files only), and loaded once per process (the cache is keyed by real path
and cleared at the start of each run; worker processes keep their own).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from ccaudit.files import MAX_BYTES, describe, repo_root
from ccaudit.loader import build_value, read_file, split


class Loaded(NamedTuple):
    """A source file's first document, or why it could not be read (a CCA001 message)."""

    value: Any = None
    problem: str | None = None


_CACHE: dict[str, Loaded] = {}
_OPENED: dict[tuple[str, str], tuple[str, Loaded]] = {}  # (folder, path named) -> open_source's answer
_LIMIT = [MAX_BYTES]  # the run's size bound (a manifest's, from the configuration)


def forget(max_bytes: int = MAX_BYTES) -> None:
    """Start a run afresh: files may have changed since the last one (tests run many in one process)."""
    _CACHE.clear()
    _OPENED.clear()
    _LIMIT[0] = max_bytes


def base_folder(manifest: str) -> str:
    """The folder a manifest's relative paths start from (standard input: the working folder)."""
    return os.path.dirname(os.path.abspath(manifest)) if manifest not in ("-", "<stdin>") else os.getcwd()


def locate_source(manifest: str, relative: str) -> tuple[str | None, str]:
    """(real path, "") for a path inside the manifest's repository, else (None, why not).

    Without a repository around the manifest, its own folder is the boundary (fail closed).
    """
    folder = base_folder(manifest)
    root = os.path.realpath(repo_root(folder) or folder)
    real = os.path.realpath(os.path.join(folder, relative))
    if os.path.commonpath([real, root]) != root:
        return None, f"{relative!r} leads outside the repository ({real})"
    return real, ""


def load(real: str) -> Loaded:
    """The file at ``real`` (a path from ``locate_source``), read once per run."""
    loaded = _CACHE.get(real)
    if loaded is None:
        loaded = _CACHE[real] = _read(real, _LIMIT[0])
    return loaded


def _read(real: str, max_bytes: int) -> Loaded:
    try:
        file = read_file(real, max_bytes)
    except (OSError, RecursionError) as exc:
        return Loaded(problem=f"cannot read: {describe(exc)}")
    documents, error = split(file.composed)
    if error is not None:
        span = error.span
        return Loaded(problem=f"cannot parse (line {span.line}, column {span.column}): {error.message}")
    if not documents:
        return Loaded(problem="the file holds no document")
    problem = build_value(documents[0])
    if problem is not None:
        return Loaded(problem=f"cannot load (line {problem.span.line}, column {problem.span.column}): "
                              f"{problem.message}")
    return Loaded(documents[0].value)


def open_source(manifest: str, relative: str) -> tuple[str, Loaded]:
    """(real path or "", what it holds) for a path a manifest names, worked out once per run."""
    key = (base_folder(manifest), relative)
    if key not in _OPENED:  # a manifest's controls ask up to three times per tool
        real, why = locate_source(manifest, relative)
        _OPENED[key] = (real, load(real)) if real is not None else ("", Loaded(problem=why))
    return _OPENED[key]
