"""JUnit XML (written with junit-xml) for GitLab, Jenkins and other CI test reports.

One test suite per manifest; one failing test case per finding, one passing test case per
place an evaluated control checked without a finding (the run's ``checked_keys``, recorded by
the pipeline: a reporter never evaluates); a suppressed finding is a skipped case.

CI systems match test cases by (classname, name) from run to run and keep one of duplicates,
so both are stable and unique across any set of files:

- classname: the repository-relative path, and the manifest's name (``prod/agent.yaml (billing-agent)``);
- name: control id, slug and the manifest path with list items by name
  (``CCA205 audit-log-retention-too-short spec.retention.auditLogsDays``), the same whether the
  case passes or fails; the line goes into the failure text and the ``line`` attribute.
  Several findings of one control at one path are numbered ``#2``, ``#3`` in report order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from xml.etree.ElementTree import Element

from junit_xml import TestCase, TestSuite

from ccaudit.model import Finding, RunResult, printable
from ccaudit.render import cite
from ccaudit.reporters.common import ManifestGroup, location, manifest_groups, repo_files


def render(result: RunResult) -> Iterator[str]:
    """The document suite by suite (a run of many manifests is never held whole), as junit-xml's
    ``to_xml_report_string(prettyprint=True)`` writes it; the totals come from a first pass."""
    yield f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites {_totals(_suites(result))}>\n'
    for test_suite in _suites(result):
        yield _pretty(test_suite)
    yield "</testsuites>\n\n"


def _suites(result: RunResult) -> Iterator[TestSuite]:
    from ccaudit.rulesets import catalog

    paths, slugs = repo_files(result), {c.id: c.slug for c in catalog().values()}
    return (suite(group, paths.get(group.file, group.file), result.checked_keys, slugs)
            for group in manifest_groups(result))


def _totals(suites: Iterable[TestSuite]) -> str:
    """The attributes of ``<testsuites>``: every case is enabled and takes no time."""
    errors = failures = tests = 0
    for test_suite in suites:
        errors += sum(case.is_error() for case in test_suite.test_cases)
        failures += sum(case.is_failure() for case in test_suite.test_cases)
        tests += len(test_suite.test_cases)
    return f'disabled="0" errors="{errors}" failures="{failures}" tests="{tests}" time="0.0"'


def _pretty(test_suite: TestSuite) -> str:
    """One suite's element, indented one level: the bytes junit-xml's ``prettyprint`` gives (its
    XML text cleaned of illegal characters, parsed by minidom and written back), written
    straight from the element (the round trip took twice as long as the check itself)."""
    out: list[str] = []
    _write(test_suite.build_xml_doc(), "\t", out)
    return "".join(out)


def _write(element: Element, indent: str, out: list[str]) -> None:
    """As minidom's ``writexml(writer, indent, "\t", "\n")``: a lone text child inline, else one
    child a line; an element without either closes itself."""
    attributes = "".join(f' {name}="{_escape(_legal(value, _ILLEGAL_IN_ATTRIBUTE))}"'
                         for name, value in element.attrib.items())
    out.append(f"{indent}<{element.tag}{attributes}")
    text, children = _escape(_legal(element.text or "", _ILLEGAL)), list(element)
    if not children:
        out.append(f">{text}</{element.tag}>\n" if text else "/>\n")
        return
    out.append(">\n" + (f"{indent}\t{text}\n" if text else ""))
    for child in children:
        _write(child, indent + "\t", out)
    out.append(f"{indent}</{element.tag}>\n")


def _escape(text: str) -> str:
    """minidom's escaping (of text and attribute values alike)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")


def _legal(text: str, illegal: re.Pattern[str]) -> str:
    """``text`` without the characters ``illegal`` matches (none is printable: most text has none)."""
    return text if text.isprintable() else illegal.sub("", text)


def _characters(ranges: Iterable[tuple[int, int]]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]")


# What junit-xml's ``_clean_illegal_xml_chars`` drops from the document's text (XML 1.0's
# excluded and discouraged characters); in an attribute ElementTree has escaped CR, so it stays.
_DROPPED = [(0x00, 0x08), (0x0E, 0x1F), (0x7F, 0x84), (0x86, 0x9F), (0xD800, 0xDFFF), (0xFDD0, 0xFDDF),
            *((plane << 16 | 0xFFFE, plane << 16 | 0xFFFF) for plane in range(17))]
_ILLEGAL_IN_ATTRIBUTE = _characters([*_DROPPED, (0x0B, 0x0C)])
_ILLEGAL = _characters([*_DROPPED, (0x0B, 0x0D)])


def suite(group: ManifestGroup, path: str, keys: Mapping[str, tuple[str, ...]], slugs: Mapping[str, str]) -> TestSuite:
    classname = printable(path if group.manifest is None else f"{path} ({group.manifest})")
    names = numbered(case_name(f.id, f.slug, f.named_path or f.path) for f in group.findings)
    cases = [finding_case(f, name, classname, path) for f, name in zip(group.findings, names, strict=True)]
    cases += [TestCase(name, classname=classname, file=path, elapsed_sec=0.0)
              for name in passing_names(group, set(names), keys, slugs)]
    return TestSuite(printable(group.title), cases, file=path)


@lru_cache(maxsize=4096)  # the passing cases' names repeat from manifest to manifest
def case_name(control: str, slug: str, path: str) -> str:
    return printable(" ".join(part for part in (control, slug, path) if part))


def numbered(names: Iterable[str]) -> list[str]:
    """Each name once: a repeated name gets `` #2``, `` #3`` in order."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def passing_names(group: ManifestGroup, failing: set[str], keys: Mapping[str, tuple[str, ...]],
                  slugs: Mapping[str, str]) -> list[str]:
    """A case per key each evaluated control checks (``keys``) without a finding there; a control of
    list items (no fixed keys) passes as one case, when it has no finding at all."""
    failed = {f.id for f in group.findings}
    names: list[str] = []
    for control in group.controls:
        places = keys.get(control, () if control in failed else ("",))
        names += [name for name in (case_name(control, slugs.get(control, ""), p) for p in places)
                  if name not in failing]
    return names


def finding_case(finding: Finding, name: str, classname: str, path: str) -> TestCase:
    case = TestCase(name, classname=classname, file=path, line=finding.span.line, elapsed_sec=0.0)
    if finding.suppressed is not None:
        case.add_skipped_info(printable(f"suppressed ({finding.suppressed.kind}): {finding.suppressed.reason}"))
    else:
        case.add_failure_info(printable(f"[{finding.severity}] line {finding.span.line}: {finding.message}"),
                              details(finding), finding.slug)
    return case


def details(finding: Finding) -> str:
    lines = [f"{location(finding)}: {finding.id} {finding.slug} [{finding.severity}]", finding.message,
             f"path: {finding.path}" if finding.path else ""]
    lines += [f"required by {r.ruleset}: {cite(r.citations)}" + ("" if r.binding else " (not binding)")
              for r in finding.requirements]
    if finding.remediation:
        lines += ["fix:", *("  " + line for line in finding.remediation.splitlines())]
    return "\n".join(printable(line) for line in lines if line)
