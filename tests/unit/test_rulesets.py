"""Rulesets as data: schemas, the matrix of controls.md, [S] marks, triggers and the merge."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ccaudit.loader import build_value, load_text
from ccaudit.model import CATEGORIES, SENSITIVE, VERIFICATION, Citation, Severity
from ccaudit.resources import data_dir, schema_file
from ccaudit.rulesets import (
    ControlRequirement,
    ControlStandard,
    Ruleset,
    RulesetError,
    When,
    applicable,
    builtin,
    builtin_ids,
    catalog,
    load_ruleset,
    personal_data,
    read_yaml,
    standard,
    upcoming,
)
from tests.spec_matrix import CORE, LETTERS, MATRIX, core

BUILTIN = builtin_ids()

# Citations controls.md marks [S]: (ruleset, ref fragment) that must carry verified: false.
# Phase 2: every citation of the new rulesets, and HIPAA's NPRM, rest on reproductions or secondary sources.
UNVERIFIED = [("hipaa", "164.514(h)"), ("ccpa", "7060"), ("ccpa", "7050"), ("ccpa", "7051"), ("ccpa", "7200"),
              ("ccpa", "7025"), ("ccpa", "7026"), ("ccpa", "7150"), ("ca-breach", "1798.82"), ("hipaa", "NPRM"),
              ("pci-dss", "PCI"), ("eu-ai-act", "EU AI Act"), ("eu-ai-act-high-risk", "EU AI Act")]


def _schema(name: str) -> Draft202012Validator:
    schema = json.loads(schema_file(name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


SCHEMA_OF_KIND = {"Ruleset": "ruleset.schema.json", "ControlCatalog": "controls.schema.json",
                  "RegionTable": "regions.schema.json"}


@pytest.mark.parametrize("path", sorted(data_dir("rulesets").glob("*.yaml")), ids=lambda p: p.name)
def test_builtin_data_validates(path: Path) -> None:
    data = read_yaml(path)
    errors = list(_schema(SCHEMA_OF_KIND[data["kind"]]).iter_errors(data))
    assert not errors, [e.message for e in errors]


def test_builtin_rulesets_are_the_ruleset_files_each_named_for_its_id() -> None:
    files = {path.stem for path in data_dir("rulesets").glob("*.yaml") if read_yaml(path)["kind"] == "Ruleset"}
    assert set(BUILTIN) == files >= CORE and len(BUILTIN) == len(files)
    assert core(BUILTIN) == ["gdpr", "ccpa", "ca-breach", "hipaa", "ai-security", "pci-dss", "eu-ai-act",
                             "eu-ai-act-high-risk"]  # the order of reports and listings


def test_report_and_manifest_schemas_are_valid() -> None:
    _schema("report.schema.json")
    _schema("manifest.schema.json")


def test_matrix_matches_the_spec() -> None:
    for letter, name in LETTERS.items():
        wanted = {c for c, letters in MATRIX.items() if letter in letters}
        assert set(builtin(name).requirements) == wanted, name


def test_every_requirement_is_cited_and_s_marks_are_unverified() -> None:
    for name in BUILTIN:
        for requirement in builtin(name).requirements.values():
            assert requirement.citations, (name, requirement.control)
    for name, fragment in UNVERIFIED:
        refs = [c for r in builtin(name).requirements.values() for c in r.citations if fragment in c.ref]
        assert refs and all(not c.verified for c in refs), (name, fragment)


def _manifest(subjects: list[str], categories: list[str], **organization: Any) -> dict[str, Any]:
    return {"spec": {"dataSubjects": subjects, "dataCategories": categories, "organization": organization}}


@pytest.mark.parametrize("subjects, organization, expected", [
    (["EU"], {}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["EEA"], {}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["NO"], {}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["FR-75"], {}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["GB"], {}, {"gdpr", "ai-security"}),  # UK GDPR, but not the AI Act
    (["GB"], {"aiActHighRisk": True}, {"gdpr", "ai-security"}),
    (["CH"], {}, {"ai-security"}),
    (["US"], {}, {"ccpa", "ca-breach", "ai-security"}),
    (["US-CA"], {}, {"ccpa", "ca-breach", "ai-security"}),
    (["US-TX"], {}, {"ai-security"}),
    (["US"], {"ccpaBusiness": False}, {"ca-breach", "ai-security"}),
    (["US-TX", "US-CA"], {"ccpaBusiness": False}, {"ca-breach", "ai-security"}),
    (["JP"], {"euEstablishment": True}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["DE"], {"aiActHighRisk": True}, {"gdpr", "ai-security", "eu-ai-act", "eu-ai-act-high-risk"}),
    (["DE"], {"aiActHighRisk": False}, {"gdpr", "ai-security", "eu-ai-act"}),
    (["JP"], {"aiActHighRisk": True}, {"ai-security"}),
])
def test_triggers(subjects: list[str], organization: dict[str, Any], expected: set[str]) -> None:
    manifest = _manifest(subjects, ["contact"], **organization)
    assert set(core(r.id for r in applicable(manifest, personal_data(manifest["spec"])))) == expected


def test_phi_anywhere_in_pd_triggers_hipaa() -> None:
    spec = {"dataSubjects": ["JP"], "dataCategories": ["contact"], "vendors": [{"name": "v", "receives": ["phi"]}]}
    assert "hipaa" in {r.id for r in applicable({"spec": spec}, personal_data(spec))}


def test_effective_values_under_gdpr_ccpa_hipaa_pci_and_the_ai_act() -> None:
    manifest = _manifest(["EU", "US-CA"], ["contact", "account", "payment_card", "phi"], aiActHighRisk=True)
    pd = personal_data(manifest["spec"])
    rulesets = applicable(manifest, pd)
    assert [r.id for r in rulesets] == ["gdpr", "ccpa", "ca-breach", "hipaa", "ai-security", "pci-dss", "eu-ai-act",
                                        "eu-ai-act-high-risk"]
    merged = standard(rulesets, pd, When("2026-12-04"))
    effective = {(c, p): (e.value, sorted(r for r in e.by_ruleset if e.binding(r)))
                 for c, s in merged.items() for p, e in s.parameters.items()}
    assert effective == {
        ("CCA106", "minimumVerification"): ("otp", ["hipaa"]),
        ("CCA107", "maxRecordsPerCall"): (100, ["ai-security"]),
        ("CCA205", "auditLogsMinDays"): (2192, ["hipaa"]),  # not yet eu-ai-act-high-risk's 180 (2027-12-02)
        ("CCA205", "auditLogsHotMinDays"): (90, ["pci-dss"]),
        ("CCA206", "redactCategories"): (["contact", "account", "payment_card", "phi"], ["gdpr"]),
        ("CCA207", "reviewMaxIntervalDays"): (1, ["pci-dss"]),
        ("CCA405", "vendorBreachNoticeMaxHours"): (72, ["gdpr"]),
        ("CCA502", "outputFilterCategories"): (["payment_card", "phi"], ["ai-security", "gdpr"]),
        ("CCA601", "authorityNotificationMaxHours"): (72, ["gdpr"]),
        ("CCA601", "individualNotificationMaxDays"): (30, ["ca-breach"]),
        ("CCA602", "responseMaxDays"): (30, ["gdpr", "hipaa"]),
        ("CCA701", "dpiaTriggerCategories"): (["payment_card", "phi", "special_category", "biometric", "children"], []),
        ("CCA701", "dpiaOnSaleOrShare"): (True, ["ccpa"]),
        ("CCA703", "redTeamingMaxIntervalDays"): (365, ["ai-security"]),
    }
    assert set(merged) == set(MATRIX)  # every control of the table: every ruleset applies
    assert [r.ruleset for r in merged["CCA802"].requirements] == ["pci-dss"]  # HIPAA's is only proposed
    assert [r.ruleset for r in merged["CCA504"].requirements] == ["gdpr"]  # ccpa from 2027-01-01, E* 2027-12-02
    pending = {(u.ruleset, u.control, u.parameter, u.value, u.effective) for u in upcoming(rulesets, pd,
                                                                                          When("2026-12-04"))}
    assert pending == {("ccpa", "CCA504", None, None, "2027-01-01"),
                       *{("eu-ai-act-high-risk", c, None, None, "2027-12-02") for c in ("CCA201", "CCA202", "CCA504",
                                                                                      "CCA505")},
                       ("eu-ai-act-high-risk", "CCA205", "auditLogsMinDays", 180, "2027-12-02")}


def test_a_dated_requirement_counts_from_its_day_and_a_proposed_one_only_in_a_preview() -> None:
    manifest = _manifest(["DE"], ["contact", "phi"])
    pd = personal_data(manifest["spec"])
    rulesets = applicable(manifest, pd)
    assert "CCA901" not in standard(rulesets, pd, When("2026-08-01"))
    assert [u.control for u in upcoming(rulesets, pd, When("2026-08-01"))] == ["CCA901"]
    assert [r.ruleset for r in standard(rulesets, pd, When("2026-08-02"))["CCA901"].requirements] == ["eu-ai-act"]
    assert upcoming(rulesets, pd, When("2026-08-02")) == ()
    assert "CCA802" not in standard(rulesets, pd, When("2026-08-02"))
    assert [r.ruleset for r in standard(rulesets, pd, When("2026-08-02", True))["CCA802"].requirements] == ["hipaa"]


def _stricter_or_equal(merge: str, tight: Any, loose: Any) -> bool:
    return {
        "min": lambda: tight <= loose,
        "max": lambda: tight >= loose,
        "union": lambda: set(tight) >= set(loose),
        "strongest": lambda: VERIFICATION.index(tight) >= VERIFICATION.index(loose),
        "any": lambda: tight or not loose,
    }[merge]()


def _param_value(kind: str) -> st.SearchStrategy[Any]:
    return {
        "days": st.integers(0, 5000), "hours": st.integers(0, 5000), "records": st.integers(1, 1000),
        "verification": st.sampled_from(VERIFICATION), "boolean": st.booleans(),
        "categories": st.one_of(st.lists(st.sampled_from(CATEGORIES), unique=True),
                                st.sampled_from([{"fromPersonalData": "all"}, {"fromPersonalData": "sensitive"}])),
    }[kind]


# Days around the built-ins' dates (2026-01-01, 2026-08-02, 2027-01-01, 2027-12-02) and far from them.
DAYS = st.dates(date(2024, 1, 1), date(2029, 12, 31)).map(date.isoformat)
WHEN = st.builds(When, st.one_of(st.none(), DAYS), st.booleans())


@st.composite
def user_rulesets(draw: st.DrawFn) -> Ruleset:
    """An organization's ruleset: random controls, random parameter values, dates and statuses."""
    controls = draw(st.lists(st.sampled_from(sorted(catalog())[6:]), unique=True, max_size=8))
    requirements = {}
    for control_id in controls:
        params = {p.name: draw(_param_value(p.type)) for p in catalog()[control_id].parameters if draw(st.booleans())}
        requirements[control_id] = ControlRequirement("org", control_id, Severity.LOW, True, params,
                                                      (Citation("policy"),),
                                                      effective=draw(st.one_of(st.none(), DAYS)),
                                                      status=draw(st.sampled_from(["final", "proposed"])))
    return Ruleset("org", "org policy", {"always": True}, requirements)


def _never_looser(loose: dict[str, ControlStandard], tight: dict[str, ControlStandard]) -> None:
    assert set(loose) <= set(tight)
    for control_id, std in loose.items():
        assert tight[control_id].severity >= std.severity
        for name, effective in std.parameters.items():
            assert _stricter_or_equal(effective.merge, tight[control_id].parameters[name].value, effective.value)


PDS = st.lists(st.sampled_from(CATEGORIES), unique=True).map(lambda c: tuple(x for x in CATEGORIES if x in c))


@settings(max_examples=200, deadline=None)
@given(extra=user_rulesets(), base=st.sets(st.sampled_from(BUILTIN)), added=st.sampled_from(BUILTIN), pd=PDS,
       when=WHEN)
def test_adding_a_ruleset_never_loosens(extra: Ruleset, base: set[str], added: str, pd: tuple[str, ...],
                                        when: When) -> None:
    """On any day, with or without proposed rules: dated and proposed requirements included."""
    before = [builtin(n) for n in sorted(base)]
    for after in ([*before, builtin(added)], [*before, extra]):
        _never_looser(standard(before, pd, when), standard(after, pd, when))


@settings(max_examples=200, deadline=None)
@given(extra=user_rulesets(), base=st.sets(st.sampled_from(BUILTIN)), pd=PDS, days=st.lists(DAYS, min_size=2,
                                                                                            max_size=2),
       preview=st.booleans())
def test_time_and_previews_only_tighten(extra: Ruleset, base: set[str], pd: tuple[str, ...], days: list[str],
                                        preview: bool) -> None:
    """A later day only adds requirements (none has an end date), and so does a preview of proposed rules."""
    rulesets = [*(builtin(n) for n in sorted(base)), extra]
    early, late = sorted(days)
    _never_looser(standard(rulesets, pd, When(early, preview)), standard(rulesets, pd, When(late, preview)))
    _never_looser(standard(rulesets, pd, When(late)), standard(rulesets, pd, When(late, True)))


def test_user_ruleset_with_unknown_parameter_is_an_error(tmp_path: Any) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("apiVersion: ccaudit/v1\nkind: Ruleset\nid: org\ntitle: Org\nappliesWhen: {always: true}\n"
                    "requirements:\n  - control: CCA205\n    parameters: {auditLogsMaxDays: 1}\n"
                    "    citations: [{ref: policy}]\n")
    with pytest.raises(RulesetError, match="auditLogsMaxDays"):
        load_ruleset(str(path))


def test_sensitive_categories_match_the_spec() -> None:
    assert {"authentication", "payment_card", "financial", "government_id", "phi", "special_category",
            "biometric", "precise_geolocation", "children"} == SENSITIVE


def test_ruleset_files_load_with_yaml_12_scalars() -> None:
    documents, error = load_text((data_dir("rulesets") / "regions.yaml").read_text())
    assert error is None and build_value(documents[0]) is None
    assert "NO" in documents[0].value["eea"]


def test_user_ruleset_with_a_date_and_a_status(tmp_path: Any) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("apiVersion: ccaudit/v1\nkind: Ruleset\nid: org\ntitle: Org\nappliesWhen: {always: true}\n"
                    "requirements:\n  - control: CCA205\n    effective: 2027-03-01\n"
                    "    parameters: {auditLogsMinDays: 3000}\n"
                    "    citations: [{ref: policy}]\n  - control: CCA802\n    status: proposed\n"
                    "    citations: [{ref: draft}]\n")
    org = load_ruleset(str(path))
    assert (org.requirements["CCA205"].effective, org.requirements["CCA802"].status) == ("2027-03-01", "proposed")
    assert standard([org], (), When("2027-02-28")) == {}
    assert set(standard([org], (), When("2027-03-01", True))) == {"CCA205", "CCA802"}
    path.write_text(path.read_text().replace("2027-03-01", "2027-3-1"))
    with pytest.raises(RulesetError, match="effective"):
        load_ruleset(str(path))
