"""The JUnit report writes each suite itself: the same bytes as junit-xml's pretty print (a
minidom round trip of the whole document, which took twice as long as the check it reports)."""

from __future__ import annotations

from xml.parsers.expat import ExpatError

import pytest
from junit_xml import TestCase as Case
from junit_xml import TestSuite as Suite
from junit_xml import to_xml_report_string

from ccaudit.reporters.junit import _pretty, _totals

HOSTILE = [
    "plain",
    'quotes " and \' & <tags> > ',
    "line one\nline two\n\ttabbed",
    "carriage\r\nreturns\rhere",
    "controls \x00\x01\x07\x0b\x0c\x1b\x7f\x85\x9f end",
    "non-characters \ufdd0 \ufffe \uffff \U0001fffe \U0010ffff end",
    "unicode é ü 漢字 \u2028 \u202e end",
    "   ",
    "",
]


def _suite(text: str) -> Suite:
    failing = Case(f"case {text}", classname=f"class {text}", file=f"f {text}.yaml", line=3, elapsed_sec=0.0)
    failing.add_failure_info(f"message {text}", f"details\n{text}", f"type {text}")
    skipped = Case(f"skipped {text}", classname="c", file="f.yaml", elapsed_sec=0.0)
    skipped.add_skipped_info(f"suppressed {text}")
    passing = Case(f"passing {text}", classname="c", file="f.yaml", elapsed_sec=0.0)
    return Suite(f"suite {text}", [failing, skipped, passing], file="f.yaml")


def _ours(suites: list[Suite]) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites {_totals(suites)}>\n'
            + "".join(_pretty(s) for s in suites) + "</testsuites>\n")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_suite_is_written_as_junit_xml_pretty_prints_it(text: str) -> None:
    suites = [_suite(text), _suite("second")]
    assert _ours(suites) == to_xml_report_string(suites, prettyprint=True, encoding="utf-8")


def test_an_empty_run_is_written_as_junit_xml_writes_it() -> None:
    empty = Suite("nothing", [], file="f.yaml")
    assert _ours([empty]) == to_xml_report_string([empty], prettyprint=True, encoding="utf-8")


def test_a_lone_surrogate_is_dropped_where_junit_xml_cannot_parse_its_own_text() -> None:
    with pytest.raises(ExpatError):
        to_xml_report_string([_suite("a \udc80 b")], prettyprint=True, encoding="utf-8")
    assert "\udc80" not in _ours([_suite("a \udc80 b")]) and 'name="suite a  b"' in _ours([_suite("a \udc80 b")])
