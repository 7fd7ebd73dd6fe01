"""4xx: vendors and transfers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ccaudit.controls.base import Context, Hit, at_most, snippet
from ccaudit.rulesets import ControlStandard, strings

SAFEGUARDS = frozenset({"scc", "bcr"})


def _agreement(ctx: Context, i: int, vendor: Mapping[str, Any], key: str, what: str) -> Iterator[Hit]:
    value = _agreements(vendor).get(key)
    if value is not True:
        path = ("spec", "vendors", i, "agreements", key)
        state = ctx.absent(path) if value is None else "false"
        yield Hit(path, f"vendor {vendor.get('name')!r}: agreements.{key} is {state}; {what}",
                  snippet(ctx.spec, path, True))


def _agreements(vendor: Mapping[str, Any]) -> Mapping[str, Any]:
    value = vendor.get("agreements")
    return value if isinstance(value, dict) else {}


def _is_processor(vendor: Mapping[str, Any]) -> bool:
    return vendor.get("role", "processor") == "processor"


def phi_without_baa(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        if "phi" in ctx.vendor_receives(vendor):
            yield from _agreement(ctx, i, vendor, "baa",
                                  "a vendor that receives PHI needs a business associate agreement")


def processor_without_dpa(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        if _is_processor(vendor):
            yield from _agreement(ctx, i, vendor, "dpa", "a processor needs a data processing agreement")


def ccpa_terms_missing(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        if _is_processor(vendor):
            yield from _agreement(ctx, i, vendor, "ccpaTerms",
                                  "without service-provider terms the disclosure is a sale or share")


def _regions(vendor: Mapping[str, Any]) -> list[tuple[int, str]]:
    regions = vendor.get("regions")
    return [(j, r) for j, r in enumerate(regions if isinstance(regions, list) else ()) if isinstance(r, str)]


def transfer_without_safeguard(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        if not ctx.vendor_receives(vendor):
            continue
        mechanism = _agreements(vendor).get("transferMechanism")
        if not _regions(vendor):
            yield Hit(("spec", "vendors", i, "regions"),
                      f"vendor {vendor.get('name')!r} has no regions; a transfer check cannot be made without them",
                      snippet(ctx.spec, ("spec", "vendors", i, "regions"), ["aws:eu-west-1"]))
        for j, region in _regions(vendor):
            problem = _transfer_problem(ctx, ctx.regions.country(region), mechanism)
            if problem:
                yield Hit(("spec", "vendors", i, "regions", j), f"vendor {vendor.get('name')!r} processes data in "
                          f"{region} ({problem})", snippet(ctx.spec, ("spec", "vendors", i, "agreements",
                                                                      "transferMechanism"), "scc"))


def _transfer_problem(ctx: Context, country: str | None, mechanism: Any) -> str | None:
    table = ctx.regions
    if country is None or country in table.eea:
        return None
    if mechanism == "adequacy":
        if country in table.adequacy:
            return None
        extra = "; for the US write dpf" if country == "US" else ""
        return f"adequacy is claimed, but {country} has no adequacy decision{extra}"
    if country in table.adequacy or mechanism in SAFEGUARDS or (mechanism == "dpf" and country == "US"):
        return None
    stated = f"transferMechanism is {mechanism}" if mechanism else "no transferMechanism is stated"
    usable = "scc, bcr or dpf" if country == "US" else "scc or bcr"
    return f"{country} is outside the EEA without an adequacy decision and {stated}; use {usable}"


def vendor_breach_notice(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        yield from at_most(ctx, std, ("spec", "vendors", i, "breachNoticeHours"), vendor.get("breachNoticeHours"),
                           "vendorBreachNoticeMaxHours", "hours", owner=f"vendor {vendor.get('name')!r}: ")


def region_outside_residency(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    if not isinstance(ctx.section("residency").get("allowedRegions"), list):
        return
    allowed = strings(ctx.section("residency").get("allowedRegions"))
    for i, vendor in ctx.items("vendors"):
        for j, region in _regions(vendor):
            if region not in allowed:
                yield Hit(("spec", "vendors", i, "regions", j),
                          f"vendor {vendor.get('name')!r} processes data in {region}, outside residency.allowedRegions "
                          f"({', '.join(str(a) for a in allowed)})", f"regions: [{allowed[0] if allowed else '...'}]")


def card_vendor_without_attestation(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for i, vendor in ctx.items("vendors"):
        certifications = strings(vendor.get("certifications"))
        if "payment_card" in ctx.vendor_receives(vendor) and "pci_dss" not in certifications:
            path = ("spec", "vendors", i, "certifications")
            state = "missing" if vendor.get("certifications") is None else f"[{', '.join(certifications)}]"
            yield Hit(path, f"vendor {vendor.get('name')!r} receives payment_card but its certifications are "
                      f"{state}; a current PCI DSS attestation of compliance (pci_dss) is required",
                      snippet(ctx.spec, path, [*certifications, "pci_dss"]))
