"""The region table (data in rulesets/regions.yaml): cloud regions to countries, EEA, adequacy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
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

    def _expand(self, codes: Iterable[str]) -> set[str]:
        expanded: set[str] = set()
        for code in codes:
            expanded |= (GROUPS | self.eea) if code in GROUPS else {code}
        return expanded

    def subjects_match(self, subjects: Iterable[str], targets: Iterable[str]) -> bool:
        """A subject is, lies in, or contains a target (``US`` contains ``US-CA``; ``FR-75`` lies in ``FR``)."""
        wanted = self._expand(targets)
        for subject in subjects:
            country = subject.split("-")[0]
            if subject in wanted or country in wanted:
                return True
            if "-" not in subject and any(t.startswith(subject + "-") for t in wanted):
                return True
        return False


@cache
def region_table() -> RegionTable:
    data = builtin_data()["regions.yaml"]
    return RegionTable(frozenset(data["countries"]), frozenset(data["eea"]), frozenset(data["adequacy"]["countries"]),
                       data["regions"])
