"""0xx controls that read the manifest's values: regions and references (always on)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ccaudit.controls.base import Context, Hit
from ccaudit.model import Path
from ccaudit.rulesets import ControlStandard


def unknown_region(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    places: list[tuple[Path, Any]] = [(("spec", "vendors", i, "regions"), v.get("regions"))
                                      for i, v in ctx.items("vendors")]
    places.append((("spec", "residency", "allowedRegions"), ctx.section("residency").get("allowedRegions")))
    for path, regions in places:
        for j, region in enumerate(regions if isinstance(regions, list) else ()):
            if isinstance(region, str) and ctx.regions.country(region) is None:
                yield Hit((*path, j), f"region {region!r} is not in the region table, so no transfer check can be "
                                      "made for it; use provider:region (aws, gcp, azure) or a country code")


def unknown_reference(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    vendors = {v.get("name") for _, v in ctx.items("vendors")}
    known = ", ".join(sorted(str(v) for v in vendors)) or "none"
    for i, model in ctx.items("models"):
        if model.get("vendor") not in vendors and isinstance(model.get("vendor"), str):
            yield Hit(("spec", "models", i, "vendor"), f"model {model.get('name')!r} names vendor "
                      f"{model['vendor']!r}, which is not listed under vendors (listed: {known})")
    sinks = ctx.section("logging").get("sinks")
    for j, sink in enumerate(sinks if isinstance(sinks, list) else ()):
        if isinstance(sink, str) and sink not in vendors:
            yield Hit(("spec", "logging", "sinks", j),
                      f"log sink {sink!r} is not listed under vendors (listed: {known})")
