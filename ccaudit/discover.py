"""Discover stage: PATHs on the command line -> the YAML files to check, in order."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ccaudit.errors import PathNotFound
from ccaudit.globs import Globs

# Folders never walked into (tools' caches, virtual environments, build output); naming one
# as a PATH checks it all the same.
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", "build",
                       "dist", "site-packages"})
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


def excluded(path: str, patterns: Globs) -> bool:
    return patterns(display_path(path))


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Candidate]:
    """Files named directly (any extension) and YAML files found under folders, each file and
    each folder once however many names or links lead to it.

    Symbolic links met in folders are followed last, so that a file reached both by its own
    name and through a link is reported under its own name.
    """
    skip = Globs(exclude)
    for path in paths:
        if path != STDIN and not os.path.lexists(path):
            raise PathNotFound(path)
    seen: set[tuple[int, int]] = set()  # (st_dev, st_ino) of the files and folders already taken
    links: deque[str] = deque()  # symbolic links met while walking, followed after everything else
    for path in paths:
        if path == STDIN or not excluded(path, skip):
            yield from _visit(path, skip, seen, links)
    while links:
        yield from _visit(links.popleft(), skip, seen, links, walking=True)


def _visit(path: str, exclude: Globs, seen: set[tuple[int, int]], links: deque[str],
           walking: bool = False) -> Iterator[Candidate]:
    if os.path.isdir(path):
        yield from _walk(path, exclude, seen, links)
    elif (not walking or _wanted_file(path)) and _first_visit(path, seen):
        yield Candidate(path)


def _first_visit(path: str, seen: set[tuple[int, int]]) -> bool:
    """False for a file or folder already taken under another name; a path that cannot be
    stat'ed is taken (reading it reports why)."""
    identity = _identity(path)
    if identity is None:
        return True
    if identity in seen:
        return False
    seen.add(identity)
    return True


def _walk(top: str, exclude: Globs, seen: set[tuple[int, int]], links: deque[str]
          ) -> Iterator[Candidate]:
    """Depth-first, following links, reporting a link back into an ancestor as a loop and
    walking a folder reached again through another link only once."""
    stack: list[tuple[str, frozenset[tuple[int, int]]]] = [(top, frozenset())]
    while stack:
        folder, ancestors = stack.pop()
        try:
            info = os.stat(folder)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Candidate(folder, f"cannot read folder: {exc.strerror}")
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            continue
        seen.add(identity)
        here = ancestors | {identity}
        subfolders = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            if excluded(path, exclude):
                continue
            is_dir = _is_dir(entry)
            if (is_dir and entry.name in SKIP_DIRS) or not (is_dir or entry.name.endswith(SUFFIXES)):
                continue
            if is_dir and _identity(path) in here:
                yield Candidate(path, "directory loop: this link leads back into a folder above it")
            elif entry.is_symlink():
                links.append(path)
            elif is_dir:
                subfolders.append((path, here))
            elif _wanted_file(path) and _first_visit(path, seen):
                yield Candidate(path)
        stack.extend(reversed(subfolders))


def _wanted_file(path: str) -> bool:
    """Regular files, and paths that cannot be stat'ed (a dangling link: reading reports it).
    A FIFO, socket or device met in a folder is skipped: reading it could block or never end,
    and nobody keeps a manifest in one."""
    return os.path.isfile(path) or not os.path.exists(path)


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
