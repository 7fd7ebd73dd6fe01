"""One value, one story (issue 8, items 10 and 11).

Item 11: the YAML 1.2 core tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
``!!map``, ``!!seq``) give the value they name whatever the scalar's style; a tag whose text
cannot be that type is a located CCA001; every other tag stays CCA001.

Item 10: a value that broke the schema is reported once by CCA002/CCA004, naming every allowed
form, and a control that reads it still fails closed but says what is there.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import EXAMPLES, check_json

EXAMPLE = (EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8")


def line_of(needle: str) -> int:
    return next(n for n, line in enumerate(EXAMPLE.splitlines(), 1) if needle in line)


def edit(old: str, new: str, count: int = 1) -> str:
    assert EXAMPLE.count(old) >= count, old
    return EXAMPLE.replace(old, new, count)


def findings(write: Any, text: str) -> tuple[int, list[tuple[str, int, int, str]]]:
    code, report = check_json("--assume-all", write("agent.yaml", text))
    # a clean result is a manifest checked, not a file left unread
    assert report["findings"] or report["summary"]["manifests"] == 1, report["files"]
    return code, [(f["id"], f["line"], f["column"], f["message"]) for f in report["findings"]]


def test_the_example_is_clean(write: Any) -> None:
    assert findings(write, EXAMPLE) == (0, [])


# ---- item 11: core tags are core -------------------------------------------------------------

CLEAN_TAGGED = [
    ("auditLogsDays: 2192", 'auditLogsDays: !!int "2192"'),
    ("auditLogsDays: 2192", "auditLogsDays: !!int 2192"),
    ("auditLogsDays: 2192", "auditLogsDays: !!int '0x890'"),
    ("routingDecisions: true", 'routingDecisions: !!bool "true"'),
    ("routingDecisions: true", "routingDecisions: !!bool true"),
    ("owner: cx-platform", "owner: !!str 2192"),
    ("owner: cx-platform", "owner: !!str true"),
    ("labels: {env: prod}", "labels: !!map {env: !!str prod}"),
    ("channels: [voice, chat]", "channels: !!seq [!!str voice, chat]"),
]


@pytest.mark.parametrize("old, new", CLEAN_TAGGED, ids=[new for _, new in CLEAN_TAGGED])
def test_core_tags_give_their_value(old: str, new: str, write: Any) -> None:
    assert findings(write, edit(old, new)) == (0, [])


def test_a_float_tag_gives_a_float(write: Any) -> None:
    """``!!float "0.8"`` is 0.8 where a number is expected (guardrails.confidenceThreshold)."""
    assert findings(write, edit("confidenceThreshold: 0.8", 'confidenceThreshold: !!float "0.8"')) == (0, [])


def test_a_float_tag_on_an_integer_past_the_float_range_is_infinite(write: Any) -> None:
    """``!!float 1000...`` (400 digits) is +inf like ``1e400``: above the maximum of 1, not a crash."""
    line = line_of("confidenceThreshold: 0.8")
    code, got = findings(write, edit("confidenceThreshold: 0.8", "confidenceThreshold: !!float 1" + "0" * 400))
    assert code == 1
    assert [(i, n) for i, n, _, _ in got] == [("CCA002", line), ("CCA503", line)]
    assert got[0][3] == "spec.guardrails.confidenceThreshold: inf must be smaller than or equal to 1"


def test_a_null_tag_gives_null_which_the_schema_then_judges(write: Any) -> None:
    line = line_of("description: Handles billing")
    code, got = findings(write, edit("description: Handles billing questions and refunds by phone and chat.",
                                     "description: !!null"))
    assert code == 1
    assert [(i, n) for i, n, _, _ in got] == [("CCA002", line)]


def test_str_tag_on_a_number_is_a_string_where_an_integer_is_expected(write: Any) -> None:
    line = line_of("auditLogsDays: 2192")
    code, got = findings(write, edit("auditLogsDays: 2192", "auditLogsDays: !!str 2192"))
    assert code == 1
    assert next((i, n) for i, n, _, _ in got) == ("CCA002", line)


@pytest.mark.parametrize("tagged, needs", [("!!int abc", "integer"), ("!!int 1.5", "integer"),
                                          ("!!bool yes", "boolean"), ('!!float "soon"', "number"),
                                          ("!!null 0", "null")])
def test_a_core_tag_whose_text_is_not_its_type_is_cca001_at_the_value(tagged: str, needs: str,
                                                                      write: Any) -> None:
    line = line_of("auditLogsDays: 2192")
    code, got = findings(write, edit("auditLogsDays: 2192", f"auditLogsDays: {tagged}"))
    assert code == 1
    assert [(i, n, c) for i, n, c, _ in got] == [("CCA001", line, len("    auditLogsDays: ") + 1)]
    assert got[0][3].endswith(f"the text is not a YAML 1.2 {needs}")


@pytest.mark.parametrize("tagged", ["!!set {a}", "!!binary aGk=", "!!timestamp 2026-01-01", "!custom 2192"])
def test_other_tags_stay_cca001(tagged: str, write: Any) -> None:
    line = line_of("auditLogsDays: 2192")
    code, got = findings(write, edit("auditLogsDays: 2192", f"auditLogsDays: {tagged}"))
    assert code == 1
    assert [(i, n) for i, n, _, _ in got] == [("CCA001", line)]
    assert "is not allowed (only YAML 1.2 core tags)" in got[0][3]


# ---- item 10: one value, one story -----------------------------------------------------------

STORIES = [
    # (old, new, schema finding, its message contains, follow-up control, its message contains)
    ("routingDecisions: true", "routingDecisions: yes", "CCA004", "'yes' is not a boolean",
     "CCA202", "logging.routingDecisions is `yes`, not a boolean; the agent's decisions must be logged"),
    ("retentionDays: 0", 'retentionDays: "30d"', "CCA002",
     "'30d' is not allowed (allowed: a whole number of days, or one of: indefinite, forever)",
     "CCA304", "its retentionDays is `30d`, not a whole number of days, or one of: indefinite, forever;"),
    ("transcriptsDays: 30", "transcriptsDays: true", "CCA002",
     "True is not allowed (allowed: a whole number of days, or one of: indefinite, forever)",
     "CCA301", "retention.transcriptsDays is `true`, not a whole number of days, or one of: indefinite, forever;"),
    ("trainingOnCustomerData: false", 'trainingOnCustomerData: "no"', "CCA002", "expected boolean",
     "CCA303", "trainingOnCustomerData is `no`, not a boolean;"),
    ("reasoning: redacted", "reasoning: hidden", "CCA002", "'hidden' is not allowed (allowed: none, redacted, full)",
     "CCA203", "logging.reasoning is `hidden`, not one of: none, redacted, full;"),
    ("maxRecordsPerCall: 1", "maxRecordsPerCall: 0", "CCA002", "must be bigger than or equal to 1",
     "CCA107", "maxRecordsPerCall is `0`, which is not valid (must be bigger than or equal to 1);"),
]


@pytest.mark.parametrize("old, new, schema_id, schema_says, control_id, control_says", STORIES,
                         ids=[s[1] for s in STORIES])
def test_a_value_that_broke_the_schema_is_reported_once_and_the_control_says_what_is_there(
        old: str, new: str, schema_id: str, schema_says: str, control_id: str, control_says: str,
        write: Any) -> None:
    line = line_of(old)
    code, got = findings(write, edit(old, new))
    assert code == 1
    assert [(i, n) for i, n, _, _ in got] == [(schema_id, line), (control_id, line)]  # the follow-up keeps its place
    assert schema_says in got[0][3]
    assert control_says in got[1][3]
    assert "missing" not in got[1][3]


def test_a_dropped_section_explains_the_keys_under_it(write: Any) -> None:
    """``logging: yes`` drops the whole section: each key under it is missing, and says why."""
    lines = EXAMPLE.splitlines()
    start = line_of("  logging:")
    end = next(n for n in range(start + 1, len(lines) + 1) if not lines[n - 1].startswith("    "))
    text = "\n".join([*lines[:start - 1], "  logging: yes", *lines[end - 1:]]) + "\n"
    code, report = check_json("--assume-all", write("agent.yaml", text))
    assert code == 1
    messages = {f["id"]: f["message"] for f in report["findings"] if f["line"] == start}
    assert messages["CCA002"].startswith("spec.logging: expected object, found string")
    assert messages["CCA201"].startswith("logging.toolCalls is missing (logging is `yes`, not a mapping);")


def test_a_valid_but_missing_value_still_reads_missing(write: Any) -> None:
    code, got = findings(write, edit("    routingDecisions: true\n", ""))
    assert code == 1
    assert [m for i, _, _, m in got if i == "CCA202"] == [
        "logging.routingDecisions is missing; the agent's decisions must be logged"]


def test_long_rejected_values_are_cut_in_every_message(write: Any) -> None:
    long = "x" * 100_000
    code, got = findings(write, edit("reasoning: redacted", f"reasoning: {long}"))
    assert code == 1
    assert [i for i, _, _, _ in got] == ["CCA002", "CCA203"]
    assert all(len(message) < 300 for _, _, _, message in got)
    assert all("characters)" in message for _, _, _, message in got)
