"""Discover stage: PATHs on the command line -> the YAML files to check, in order."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ccaudit.errors import PathNotFound

SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".tox", ".mypy_cache"})
SUFFIXES = (".yaml", ".yml")
STDIN = "-"  # the PATH that stands for standard input: one manifest, shown as STDIN_NAME
STDIN_NAME = "<stdin>"


class Candidate(NamedTuple):
    path: str
    error: str | None = None  # a file that cannot be visited (a directory loop)


def display_path(path: str) -> str:
    """Relative to the current directory when the file lies under it, POSIX separators."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd).replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def matches(shown: str, pattern: str) -> bool:
    """A glob against a displayed path (an absolute glob against the absolute path): ``*`` and
    ``**`` cross folders; a folder matches what lies below it."""
    from fnmatch import fnmatch

    target = os.path.abspath(shown) if os.path.isabs(pattern) else shown
    return fnmatch(target, pattern) or fnmatch(target, pattern.rstrip("/") + "/*")


def excluded(path: str, patterns: Iterable[str]) -> bool:
    shown = display_path(path)
    return any(matches(shown, p) for p in patterns)


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Candidate]:
    """Files named directly (any extension), then YAML files found under folders, sorted."""
    exclude = tuple(exclude)
    for path in paths:
        if path != STDIN and not os.path.lexists(path):
            raise PathNotFound(path)
    for path in paths:
        if path != STDIN and excluded(path, exclude):
            continue
        if os.path.isdir(path):
            yield from _walk(path, exclude)
        else:
            yield Candidate(path)


def _walk(top: str, exclude: tuple[str, ...]) -> Iterator[Candidate]:
    """Depth-first, following links, reporting a link back into an ancestor as a loop."""
    stack: list[tuple[str, frozenset[tuple[int, int]]]] = [(top, frozenset())]
    while stack:
        folder, ancestors = stack.pop()
        try:
            info = os.stat(folder)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Candidate(folder, f"cannot read folder: {exc.strerror}")
            continue
        here = ancestors | {(info.st_dev, info.st_ino)}
        subfolders = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            if excluded(path, exclude):
                continue
            if _is_dir(entry):
                if entry.name in SKIP_DIRS:
                    continue
                if _identity(path) in here:
                    yield Candidate(path, "directory loop: this link leads back into a folder above it")
                    continue
                subfolders.append((path, here))
            elif entry.name.endswith(SUFFIXES):
                yield Candidate(path)
        stack.extend(reversed(subfolders))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
