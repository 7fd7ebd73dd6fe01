"""Globs against displayed paths: the exclude list (discover) and the paths of waivers (suppress)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache


class Globs:
    """Globs against displayed paths (absolute globs against absolute paths): ``*`` and ``**``
    cross folders; a folder matches what lies below it. Compiled once per run (fnmatch keeps
    32,768 compiled patterns: a longer exclude list was compiled again for every path)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = tuple(patterns)
        self.relative = _Patterns(p for p in patterns if not os.path.isabs(p))
        self.absolute = _Patterns(p for p in patterns if os.path.isabs(p))

    def __call__(self, shown: str) -> bool:
        return self.relative.match(shown) or (bool(self.absolute) and self.absolute.match(os.path.abspath(shown)))


class _Patterns:
    """Plain paths in a set (the folders above a path looked up too); the others by the plain
    text before their first wildcard, compiled only when a path starts with that text."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = tuple(patterns)
        self.exact = frozenset(p for p in patterns if not _is_wild(p))
        self.folders = frozenset(p.rstrip("/") for p in self.exact)
        self.wild: dict[str, list[str]] = {}
        for pattern in patterns:
            if _is_wild(pattern):
                self.wild.setdefault(_WILD.split(pattern, 1)[0], []).append(pattern)
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.exact or self.wild)

    def match(self, target: str) -> bool:
        if target in self.exact:
            return True
        if self.folders and any(target[:i] in self.folders for i, c in enumerate(target) if c == "/"):
            return True
        if not self.wild:  # no wildcard pattern (the usual run): nothing more to try
            return False
        prefixes = (target[:i] for i in range(len(target) + 1))
        return any(self._regex(p).match(target) for prefix in prefixes for p in self.wild.get(prefix, ()))

    def _regex(self, pattern: str) -> re.Pattern[str]:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            from fnmatch import translate

            compiled = self._compiled[pattern] = re.compile(_below(translate(pattern.rstrip("/")),
                                                                   pattern.endswith("/")))
        return compiled


def _below(regex: str, only: bool) -> str:
    """fnmatch's ``(?s:...)\\Z`` for a folder, extended to what lies below it (``only``: not itself)."""
    return regex.removesuffix("\\Z") + ("(?s:/.*)" if only else "(?s:/.*)?") + "\\Z"


_WILD = re.compile(r"[*?[]")


def _is_wild(pattern: str) -> bool:
    return _WILD.search(pattern) is not None


@lru_cache(maxsize=256)
def globs(patterns: tuple[str, ...]) -> Globs:
    return Globs(patterns)


def matches(shown: str, pattern: str) -> bool:
    """One glob against a displayed path (see ``Globs``)."""
    return globs((pattern,))(shown)
