"""`ccaudit report`: the evidence report (cli.md, "Evidence report (phase 2)")."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.conftest import EXAMPLES, ROOT, check_json, run_cli

DAY = "2026-12-04"
CSV_COLUMNS = ["file", "manifest", "ruleset", "control", "slug", "title", "status", "reason", "value", "effective",
               "binding", "citation", "findings", "locations"]


def report(*args: str) -> str:
    result = run_cli("report", "--as-of", DAY, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def report_json(*args: str) -> dict[str, Any]:
    return json.loads(report("-f", "json", *args))


def passing_manifest(**changes: Any) -> dict[str, Any]:
    """The bundled passing example, with ``changes`` to its spec (None deletes a key)."""
    manifest = yaml.safe_load((EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            manifest["spec"].pop(key, None)
        else:
            manifest["spec"][key] = value
    return manifest


def write_manifest(path: Path, manifest: dict[str, Any], name: str | None = None) -> str:
    if name:
        manifest["metadata"]["name"] = name
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return str(path)


def cells(data: dict[str, Any], ruleset: str, control: str) -> list[dict[str, Any]]:
    section = next(s for s in data["rulesets"] if s["id"] == ruleset)
    return next(r for r in section["requirements"] if r["control"] == control)["cells"]


def rights(days: int) -> dict[str, Any]:
    spec = passing_manifest()["spec"]["dataSubjectRights"]
    return {**spec, "responseDays": days}


# ---- JSON: schema and counts ---------------------------------------------------------


def test_json_validates_against_its_schema_and_agrees_with_check() -> None:
    data = report_json(str(EXAMPLES))
    schema = json.loads((ROOT / "schemas" / "evidence.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    _, checked = check_json("--as-of", DAY, str(EXAMPLES))
    failed = {(f["file"], f["manifest"], f["id"]) for f in checked["findings"] if f["suppressed"] is None}
    assert data["summary"]["failedRequirements"] == len(failed) > 0
    from_cells = {(m["file"], m["name"], r["control"]) for s in data["rulesets"] for r in s["requirements"]
                  for m, c in zip(data["manifests"], r["cells"], strict=True) if c["status"] == "fail"}
    problems = {(f["file"], f["manifest"], f["id"]) for m in data["manifests"] for f in m["inputProblems"]}
    assert from_cells | problems == failed
    assert data["summary"]["manifests"] == checked["summary"]["manifests"] == len(data["manifests"])


def test_cells_are_one_per_manifest_and_scores_count_passes_of_applicable() -> None:
    data = report_json(str(EXAMPLES))
    every = [c for s in data["rulesets"] for r in s["requirements"] for c in r["cells"]]
    assert all(len(r["cells"]) == 2 for s in data["rulesets"] for r in s["requirements"])
    judged = [c for c in every if c["status"] not in ("not_applicable", "upcoming")]
    assert data["summary"]["score"] == {"passing": sum(c["status"] == "pass" for c in every),
                                        "applicable": len(judged)}
    assert sum(data["summary"]["byStatus"].values()) == len(every)
    assert sum(m["score"]["applicable"] for m in data["manifests"]) == len(judged)


def test_input_problems_are_listed_apart_and_mark_the_manifest() -> None:
    data = report_json(str(EXAMPLES))
    claims = next(m for m in data["manifests"] if m["name"] == "claims-chat-agent")
    assert {f["id"] for f in claims["inputProblems"]} == {"CCA004", "CCA008"}
    every_control = {r["control"] for s in data["rulesets"] for r in s["requirements"]}
    assert not every_control & {f"CCA{n:03d}" for n in range(1, 11)}
    page = report("-f", "markdown", str(EXAMPLES))
    assert "(claims-chat-agent) ⚠ input problem" in page and "(billing-voice-agent) ⚠" not in page


# ---- honest statuses -----------------------------------------------------------------


def test_a_40_day_response_passes_ccpa_45_and_fails_gdpr_30(tmp_path: Path) -> None:
    path = write_manifest(tmp_path / "agent.yaml", passing_manifest(dataSubjectRights=rights(40)))
    data = report_json(path)
    gdpr, ccpa = cells(data, "gdpr", "CCA602")[0], cells(data, "ccpa", "CCA602")[0]
    assert gdpr["status"] == "fail" and [f["id"] for f in gdpr["findings"]] == ["CCA602"]
    assert (gdpr["value"], gdpr["effective"], gdpr["binding"]) == ({"responseMaxDays": 30},
                                                                   {"responseMaxDays": 30}, True)
    assert ccpa == {"status": "pass", "value": {"responseMaxDays": 45}, "effective": {"responseMaxDays": 30},
                    "binding": False}
    row = next(r for r in csv.DictReader(io.StringIO(report("-f", "csv", path)))
               if r["ruleset"] == "ccpa" and r["control"] == "CCA602")
    assert (row["status"], row["value"], row["effective"], row["binding"]) == (
        "pass", "{responseMaxDays: 45}", "{responseMaxDays: 30}", "false")


def test_a_50_day_response_fails_both(tmp_path: Path) -> None:
    path = write_manifest(tmp_path / "agent.yaml", passing_manifest(dataSubjectRights=rights(50)))
    data = report_json(path)
    assert [cells(data, r, "CCA602")[0]["status"] for r in ("gdpr", "ccpa")] == ["fail", "fail"]


def test_a_control_with_nothing_to_check_is_not_applicable_never_pass(tmp_path: Path) -> None:
    manifest = passing_manifest(vendors=None, models=None)
    manifest["spec"]["logging"]["sinks"] = []
    data = report_json(write_manifest(tmp_path / "agent.yaml", manifest))
    assert cells(data, "hipaa", "CCA401") == [{"status": "not_applicable", "reason": "no vendors declared"}]
    assert cells(data, "gdpr", "CCA402")[0]["status"] == "not_applicable"
    with_vendor = report_json(str(EXAMPLES / "billing-voice-agent.yaml"))
    assert cells(with_vendor, "hipaa", "CCA401")[0]["status"] == "pass"


def test_a_ruleset_that_does_not_apply_to_a_manifest_is_not_applicable_there() -> None:
    data = report_json(str(EXAMPLES))
    names = [m["name"] for m in data["manifests"]]
    pci = cells(data, "pci-dss", next(r["control"] for s in data["rulesets"] if s["id"] == "pci-dss"
                                      for r in s["requirements"]))
    assert pci[names.index("claims-chat-agent")] == {"status": "not_applicable",
                                                      "reason": "the ruleset does not apply"}


def test_waived_suppressed_and_baselined_are_never_passes(tmp_path: Path) -> None:
    folder = tmp_path / "agents"
    folder.mkdir()
    write_manifest(folder / "waived.yaml", passing_manifest(dataSubjectRights=rights(40)), "waived")
    baselined = write_manifest(folder / "baselined.yaml", passing_manifest(dataSubjectRights=rights(40)), "baselined")
    inline = folder / "inline.yaml"
    write_manifest(inline, passing_manifest(dataSubjectRights=rights(40)), "inline")
    text = inline.read_text(encoding="utf-8").replace(
        "responseDays: 40", 'responseDays: 40  # ccaudit: ignore[CCA602] reason="extension on file" until=2027-03-01')
    inline.write_text(text, encoding="utf-8")
    config = tmp_path / ".ccaudit.yaml"
    config.write_text("waivers:\n  - {control: CCA602, paths: ['agents/waived.yaml'], reason: 'legal sign-off',"
                      " until: '2027-01-31'}\n  - {control: CCA101, reason: 'old', until: '2026-01-01'}\n")
    run_cli("check", "--as-of", DAY, "--config", str(config), baselined, "--write-baseline", str(tmp_path / "b.json"))
    data = report_json("--config", str(config), "--baseline", str(tmp_path / "b.json"), str(folder))
    names = [m["name"] for m in data["manifests"]]
    gdpr = dict(zip(names, cells(data, "gdpr", "CCA602"), strict=True))
    assert {n: c["status"] for n, c in gdpr.items()} == {"baselined": "baselined", "inline": "suppressed",
                                                        "waived": "waived"}
    assert data["summary"]["byStatus"]["pass"] == data["summary"]["score"]["passing"]
    assert all(m["score"]["passing"] < m["score"]["applicable"] for m in data["manifests"])
    register = data["register"]
    assert [(e["kind"], e["expired"]) for e in register] == [("waiver", True), ("waiver", False), ("inline", False)]
    assert register[0]["daysLeft"] == -337 and register[1]["daysLeft"] == 58
    assert register[2]["where"].endswith("inline.yaml:" + str(text.splitlines().index(
        next(line for line in text.splitlines() if "ccaudit: ignore" in line)) + 1))
    assert (register[2]["reason"], register[2]["until"], register[2]["findings"]) == ("extension on file",
                                                                                      "2027-03-01", 1)


def test_upcoming_requirements_and_obligations_within_180_days(tmp_path: Path) -> None:
    data = report_json("--as-of", "2026-01-01", str(EXAMPLES))
    horizon = "2026-06-30"
    assert all(u["effective"] <= horizon for u in data["upcoming"])
    later = report_json("--as-of", "2020-01-01", str(EXAMPLES))
    dated = [c for s in later["rulesets"] for r in s["requirements"] for c in r["cells"] if c["status"] == "upcoming"]
    assert dated and all(c["reason"] > "2020-01-01" for c in dated)


# ---- CSV, OSCAL, HTML ----------------------------------------------------------------


def test_csv_reads_back_with_the_documented_columns() -> None:
    data = report_json(str(EXAMPLES))
    rows = list(csv.DictReader(io.StringIO(report("-f", "csv", str(EXAMPLES)))))
    assert list(rows[0]) == CSV_COLUMNS
    expected = sum(len(r["cells"]) for s in data["rulesets"] for r in s["requirements"])
    assert len(rows) == expected
    assert sum(r["status"] == "fail" for r in rows) == data["summary"]["byStatus"]["fail"]
    assert all(int(r["findings"]) > 0 for r in rows if r["status"] == "fail")


def test_csv_never_starts_a_cell_with_a_formula(tmp_path: Path) -> None:
    path = write_manifest(tmp_path / "agent.yaml", passing_manifest(), "=cmd")
    rows = list(csv.DictReader(io.StringIO(report("-f", "csv", path))))
    assert {r["manifest"] for r in rows} == {"'=cmd"}


def test_oscal_validates_with_trestle_and_is_byte_identical() -> None:
    trestle = pytest.importorskip("trestle.oscal.assessment_results")
    first = report("-f", "oscal", str(EXAMPLES))
    assert report("-f", "oscal", "-j", "2", str(EXAMPLES)) == first
    document = json.loads(first)["assessment-results"]
    model = trestle.AssessmentResults.model_validate(document)
    result = model.results[0]
    data = report_json(str(EXAMPLES))
    expected = sum(len(r["cells"]) for s in data["rulesets"] for r in s["requirements"])
    assert len(result.findings) == len(result.observations) == expected
    assert result.start.isoformat() == f"{DAY}T00:00:00+00:00"
    satisfied = sum(f.target.status.state.value == "satisfied" for f in result.findings)
    assert satisfied == data["summary"]["byStatus"]["pass"]
    uuids = [f.uuid for f in result.findings] + [o.uuid for o in result.observations]
    assert len(set(uuids)) == len(uuids) and all(u[14] == "5" for u in uuids)


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    path = write_manifest(tmp_path / "agent.yaml", passing_manifest(), "x<script>alert(1)</script>")
    page = report("-f", "html", path)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "src=" not in page and "@import" not in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CCAUDIT_REQUIRE_CHROMIUM"),
                    reason="chromium is not installed (CCAUDIT_REQUIRE_CHROMIUM unset)")
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CCAUDIT_REQUIRE_CHROMIUM is set but chromium is missing"
    page = tmp_path / "report.html"
    page.write_text(report("-f", "html", str(EXAMPLES)), encoding="utf-8")
    data = report_json(str(EXAMPLES))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    png = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={png}", "--window-size=1400,1000", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    from html.parser import HTMLParser

    class Matrix(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth, self.rows, self.columns, self.inside = 0, 0, 0, False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            classes = dict(attrs).get("class") or ""
            if tag == "table" and "matrix" in classes:
                self.inside = True
            elif self.inside and tag == "tr" and "ruleset" in classes:
                self.rows += 1
            elif self.inside and tag == "th" and "manifest" in classes:
                self.columns += 1

        def handle_endtag(self, tag: str) -> None:
            if tag == "table":
                self.inside = False

    matrix = Matrix()
    matrix.feed(dom)
    assert (matrix.rows, matrix.columns) == (len(data["rulesets"]), len(data["manifests"])) == (7, 2)
    assert _distinct_rows(png.read_bytes()) > 3


def _distinct_rows(png: bytes) -> int:
    """How many distinct pixel rows the first 400 rows of an 8-bit RGB(A) PNG hold (a blank page has one)."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width, channels = 8, b"", 0, 3
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) in ((8, 2), (8, 6))
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw = zlib.decompress(chunks)
    stride = 1 + width * channels
    return len({raw[i:i + stride][1:] for i in range(0, min(len(raw), stride * 400), stride)})


def test_check_does_not_record_the_evidence_facts() -> None:
    from ccaudit.pipeline import RunConfig, run

    plain = run(RunConfig((str(EXAMPLES),)))
    asked = run(RunConfig((str(EXAMPLES),), evidence=True))
    assert all(m.rulesets == () for r in plain.files for m in r.manifest_results)
    assert all(m.rulesets for r in asked.files for m in r.manifest_results)
    assert plain.findings == asked.findings


def test_cells_shared_per_kind_of_manifest_are_those_judged_one_by_one() -> None:
    """The matrix judges each kind of manifest once and each manifest with findings alone: every cell
    equals the cell judged for that manifest by itself (the bundled examples and every control fixture)."""
    from ccaudit.evidence import _cell, _seen, build
    from ccaudit.pipeline import RunConfig, run
    from ccaudit.rulesets import When

    when = When(as_of=DAY)
    result = run(RunConfig(paths=(str(EXAMPLES), str(ROOT / "tests" / "fixtures" / "controls")), jobs=1,
                           evidence=True, when=when))
    evidence = build(result, (), (), when)
    seen = [_seen(c) for c in evidence.columns]
    assert len(seen) > 50 and sum(len(r.cells) for s in evidence.sections for r in s.rows) > 1000
    for section in evidence.sections:
        for row in section.rows:
            alone = [_cell(section.ruleset.id, row.requirement, row.upcoming, s) for s in seen]
            assert list(row.cells) == alone, (section.ruleset.id, row.control.id)
            assert row.counts == {s: [c.status for c in alone].count(s) for s in {c.status for c in alone}}


@pytest.mark.slow
def test_json_csv_and_oscal_are_written_as_they_are_made(tmp_path: Path) -> None:
    """A report of many manifests is never held whole: writing it holds a small part of what it
    writes (OSCAL built its whole document first: 12 GB for 10,000 manifests)."""
    import tracemalloc

    from ccaudit.evidence import build
    from ccaudit.evidence.formats import FORMATS
    from ccaudit.pipeline import RunConfig, run
    from ccaudit.rulesets import When

    text = (EXAMPLES / "claims-chat-agent.yaml").read_text(encoding="utf-8")
    for i in range(150):
        (tmp_path / f"agent{i}.yaml").write_text(text.replace("name: claims-chat-agent", f"name: agent-{i}", 1))
    when = When(as_of=DAY)
    evidence = build(run(RunConfig(paths=(str(tmp_path),), jobs=1, evidence=True, when=when)), (), (), when)
    assert len(evidence.columns) == 150
    for fmt in ("json", "csv", "oscal"):
        "".join(FORMATS[fmt](build(run(RunConfig(paths=(str(EXAMPLES),), jobs=1, evidence=True, when=when)),
                                   (), (), when)))  # modules and caches are not the report's
        tracemalloc.start()
        try:
            size = sum(len(piece) for piece in FORMATS[fmt](evidence))
            growth = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert growth < size / 4, fmt
