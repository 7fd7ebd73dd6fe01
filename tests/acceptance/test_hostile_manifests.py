"""Hostile manifests (issue 8, item 13, the loading part): each crash is a located finding with
the run going on, each slow case linear. Costs are compared, never timed against a clock: a
hostile file against a plain file of the same size, or the same input at two sizes."""

from __future__ import annotations

import codecs
import time
from pathlib import Path
from typing import Any

import pytest

from ccaudit.discover import Candidate
from ccaudit.loader import MAX_ALIAS_NODES, codec_of, read_file
from ccaudit.pipeline import RunConfig, check_candidate
from tests.conftest import EXAMPLES, check_json

EXAMPLE = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")
# the example with two settings off: findings to compare across encodings and line endings
NONCOMPLIANT = EXAMPLE.replace("dpa: true", "dpa: false", 1).replace("immutable: true", "immutable: false")
HEAD = "apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata:\n  name: hostile\n  owner: cx\n"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def run(write: Any, name: str, content: str | bytes) -> tuple[int, dict[str, list[tuple[str, int, str]]]]:
    """Check ``name`` together with a noncompliant companion file; both must be reported."""
    companion = write("companion.yaml", NONCOMPLIANT)
    code, report = check_json("--assume-all", write(name, content), companion)
    by_file: dict[str, list[tuple[str, int, str]]] = {}
    for f in report["findings"]:
        by_file.setdefault(Path(f["file"]).name, []).append((f["id"], f["line"], f["message"]))
    assert sorted(i for i, _, _ in by_file["companion.yaml"]) == ["CCA204", "CCA402"]
    return code, by_file


# ---- crashes that were internal errors ------------------------------------------------------


@pytest.mark.parametrize("number", ["9" * 4301, "-" + "1" * 5000, "0x" + "f" * 4000, "0o" + "7" * 5000])
def test_an_integer_too_long_to_print_is_cca001_where_it_is(number: str, write: Any) -> None:
    text = HEAD + f"  labels:\n    big: {number}\nspec:\n  dataCategories: [contact]\n"
    code, found = run(write, "big.yaml", text)
    assert code == 1
    assert [(i, n) for i, n, _ in found["big.yaml"]] == [("CCA001", 7)]
    assert "is too large" in found["big.yaml"][0][2] and len(found["big.yaml"][0][2]) < 200


def test_a_hex_integer_where_a_string_is_expected_is_a_bounded_finding(write: Any) -> None:
    text = EXAMPLE.replace("owner: cx-platform", "owner: 0x" + "f" * 4000)
    code, found = run(write, "hex.yaml", text)
    assert code == 1
    assert [(i, n) for i, n, _ in found["hex.yaml"]] == [("CCA001", line_of(EXAMPLE, "owner: cx-platform"))]
    assert len(found["hex.yaml"][0][2]) < 200


def test_an_integer_past_the_float_range_in_a_days_field_is_compared_not_crashed(write: Any) -> None:
    huge = "1" + "0" * 400  # above 1.8e308: no float can hold it
    text = (EXAMPLE.replace("individualNotificationDays: 30", f"individualNotificationDays: {huge}")
            .replace("auditLogsDays: 2192", f"auditLogsDays: {huge}")
            .replace("breachNoticeHours: 24", f"breachNoticeHours: {huge}", 1))
    code, found = run(write, "huge.yaml", text)
    assert code == 1
    got = found["huge.yaml"]  # audit logs kept that long are long enough: no CCA205
    assert [(i, n) for i, n, _ in got] == [("CCA405", line_of(EXAMPLE, "breachNoticeHours: 24")),
                                           ("CCA601", line_of(EXAMPLE, "individualNotificationDays: 30"))]
    assert all("(401 characters)" in message and len(message) < 200 for _, _, message in got)


# ---- encodings and line breaks ----------------------------------------------------------------


@pytest.mark.parametrize("codec, bom", [("utf-32-le", b""), ("utf-32-be", b""), ("utf-32-le", codecs.BOM_UTF32_LE),
                                        ("utf-32-be", codecs.BOM_UTF32_BE)],
                         ids=["le", "be", "le-bom", "be-bom"])
def test_utf32_is_read_like_its_utf8_copy(codec: str, bom: bytes, write: Any) -> None:
    _, plain = run(write, "agent.yaml", NONCOMPLIANT)
    code, found = run(write, "agent.yaml", bom + NONCOMPLIANT.encode(codec))
    assert code == 1
    assert found["agent.yaml"] == plain["agent.yaml"] and len(plain["agent.yaml"]) == 2


@pytest.mark.parametrize("data, codec", [(b"\x00\x00\x00a", "utf-32-be"), (b"a\x00\x00\x00", "utf-32-le"),
                                         (b"\x00a\x00b", "utf-16-be"), (b"a\x00b\x00", "utf-16-le"),
                                         (codecs.BOM_UTF32_LE + b"a\x00\x00\x00", "utf-32"),
                                         (codecs.BOM_UTF16_LE + b"a\x00", "utf-16"), (b"ab", "utf-8")])
def test_encoding_detection_follows_the_yaml_spec(data: bytes, codec: str) -> None:
    assert codec_of(data) == codec


@pytest.mark.parametrize("newline", ["\r", "\r\n", "mixed"])
def test_a_bad_character_is_located_on_its_line_whatever_the_line_breaks(newline: str, write: Any) -> None:
    lines = NONCOMPLIANT.splitlines()
    bad = line_of(NONCOMPLIANT, "description: Handles billing")
    lines[bad - 1] = "  description: bell \x07 here"
    breaks = ["\r", "\n", "\r\n"] if newline == "mixed" else [newline]
    text = "".join(line + breaks[n % len(breaks)] for n, line in enumerate(lines))
    code, found = run(write, "agent.yaml", text.encode("utf-8"))
    assert code == 1
    assert [(i, n) for i, n, _ in found["agent.yaml"]] == [("CCA001", bad)]


def test_source_lines_are_the_parsers_lines(write: Any) -> None:
    path = write("agent.yaml", NONCOMPLIANT.replace("\n", "\r").encode("utf-8"))
    loaded = read_file(path)
    assert loaded.lines == NONCOMPLIANT.splitlines()


# ---- costs that grew faster than the input ----------------------------------------------------


def cost(write: Any, name: str, text: str) -> float:
    """CPU seconds to check one file in process (best of three), for ratios only."""
    path = write(name, text)
    config = RunConfig(paths=(path,))
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        check_candidate(Candidate(path, None), config)
        best = min(best, time.process_time() - start)
    return best


def labels(count: int, key: str = "k", value: str = "v") -> str:
    return "".join(f"    {key}{i}: {value}\n" for i in range(count))


def test_empty_merges_are_charged_to_the_alias_budget(write: Any) -> None:
    merges = MAX_ALIAS_NODES + 1
    text = HEAD + "  labels:\n    m: &m {}\nspec: {<<: [" + ", ".join(["*m"] * merges) + "], dataCategories: [phi]}\n"
    code, found = run(write, "merges.yaml", text)
    assert code == 1
    assert [(i, n) for i, n, _ in found["merges.yaml"]] == [("CCA001", 8)]
    assert "aliases expand to more than" in found["merges.yaml"][0][2]


def test_many_empty_merges_under_the_budget_are_walked_once(write: Any) -> None:
    """Findings under a mapping that merges 50,000 empty mappings cost about what a plain file of
    the same size costs (each finding used to walk every merge again)."""
    merged = HEAD + "  labels:\n    m: &m {}\nspec: {<<: [" + ", ".join(["*m"] * 50_000) + "], dataCategories: [phi]}\n"
    plain = HEAD + "  labels:\n" + labels(len(merged) // 16, "k", "vvvv") + "spec: {dataCategories: [phi]}\n"
    assert abs(len(plain) - len(merged)) < len(merged) // 10
    assert cost(write, "merged.yaml", merged) < 5 * cost(write, "plain.yaml", plain)


def test_unknown_keys_are_located_in_linear_time(write: Any) -> None:
    def unknown(count: int) -> str:
        return HEAD + "spec:\n  dataCategories: [contact]\n  logging:\n" + labels(count, "unknown")

    small, large = cost(write, "small.yaml", unknown(2_000)), cost(write, "large.yaml", unknown(8_000))
    assert large < 8 * small  # 4 times the keys: about 4 times the cost (it was 16)


def test_many_small_manifests_in_one_file_cost_linear_time(write: Any) -> None:
    def manifests(count: int) -> str:
        return "".join(f"---\napiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: {{name: a{i}}}\n"
                       "spec: {dataCategories: [phi], dataSubjects: [EU]}\n" for i in range(count))

    small, large = cost(write, "small.yaml", manifests(150)), cost(write, "large.yaml", manifests(600))
    assert large < 8 * small


def _many_manifests(count: int) -> str:
    return "".join(f"---\napiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: {{name: a{i}}}\n"
                   "spec: {dataCategories: [phi], dataSubjects: [EU]}\n" for i in range(count))


@pytest.mark.slow
def test_many_manifests_in_one_file_are_held_as_findings_only(write: Any) -> None:
    """Memory is the findings: what a run holds beyond them does not grow with the manifests of a
    file (their node trees were all held: twice the manifests, twice that), and no report is built
    whole before it is written (the text report took 2.7 times what the result holds, SARIF 14
    times, GitLab 8, JUnit 20)."""
    import tracemalloc

    from ccaudit.pipeline import run as run_pipeline
    from ccaudit.reporters import REPORTERS, ReportOptions

    def traced(count: int) -> tuple[Any, int, int]:
        result = run_pipeline(RunConfig(paths=(str(write(f"many{count}.yaml", _many_manifests(count))),), jobs=1))
        return (result, *tracemalloc.get_traced_memory())

    warm = run_pipeline(RunConfig(paths=(str(write("one.yaml", _many_manifests(1))),), jobs=1))
    for reporter in REPORTERS.values():  # caches and modules are not the file's
        "".join(reporter(warm, ReportOptions()))
    tracemalloc.start()
    try:
        _, held, peak = traced(200)
        tracemalloc.reset_peak()
        result, held_twice, peak_twice = traced(400)
        assert len(result.findings) == 400 * 29
        assert peak_twice - held_twice < 1.3 * (peak - held)
        for fmt, reporter in REPORTERS.items():
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            size = sum(len(piece) for piece in reporter(result, ReportOptions()))
            growth = tracemalloc.get_traced_memory()[1] - before
            assert size > growth and growth < 0.6 * held_twice, fmt
    finally:
        tracemalloc.stop()
