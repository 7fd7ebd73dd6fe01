"""The region table (data in rulesets/regions.yaml): cloud regions to countries, EEA, adequacy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import NamedTuple

from ccaudit.datafiles import builtin_data

GROUPS = frozenset({"EU", "EEA"})


class RegionTable(NamedTuple):
    countries: frozenset[str]
    eea: frozenset[str]
    adequacy: frozenset[str]
    clouds: Mapping[str, Mapping[str, str]]

    def country(self, region: str) -> str | None:
        """The country of ``aws:eu-west-1`` or ``DE``; None if the table cannot place it."""
        provider, sep, name = region.partition(":")
        if sep:
            return self.clouds.get(provider, {}).get(name)
        return region if region in self.countries else None

    def subjects_match(self, subjects: Iterable[str], targets: Iterable[str]) -> bool:
        """A subject is, lies in, or contains a target (``US`` contains ``US-CA``; ``FR-75`` lies in ``FR``)."""
        wanted, parents = _targets(tuple(targets), self.eea)
        for subject in subjects:
            if subject in wanted or subject.split("-")[0] in wanted:
                return True
            if "-" not in subject and subject in parents:
                return True
        return False


@lru_cache(maxsize=64)
def _targets(codes: tuple[str, ...], eea: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The codes with the groups expanded, and the countries of the subdivisions among them
    (computed once per trigger, not per manifest)."""
    wanted: set[str] = set()
    for code in codes:
        wanted |= (GROUPS | eea) if code in GROUPS else {code}
    return frozenset(wanted), frozenset(t.split("-")[0] for t in wanted if "-" in t)


@cache
def region_table() -> RegionTable:
    data = builtin_data()["regions.yaml"]
    return RegionTable(frozenset(data["countries"]), frozenset(data["eea"]), frozenset(data["adequacy"]["countries"]),
                       data["regions"])
