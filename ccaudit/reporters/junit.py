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

import io
from collections.abc import Iterable, Iterator, Mapping

from junit_xml import TestCase, TestSuite, _clean_illegal_xml_chars

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
    paths = repo_files(result)
    return (suite(group, paths.get(group.file, group.file), result.checked_keys) for group in manifest_groups(result))


def _totals(suites: Iterable[TestSuite]) -> str:
    """The attributes of ``<testsuites>``: every case is enabled and takes no time."""
    errors = failures = tests = 0
    for test_suite in suites:
        errors += sum(case.is_error() for case in test_suite.test_cases)
        failures += sum(case.is_failure() for case in test_suite.test_cases)
        tests += len(test_suite.test_cases)
    return f'disabled="0" errors="{errors}" failures="{failures}" tests="{tests}" time="0.0"'


def _pretty(test_suite: TestSuite) -> str:
    """One suite's element, indented one level, as minidom pretty-prints it inside the document."""
    from xml.dom import minidom
    from xml.etree import ElementTree

    text = _clean_illegal_xml_chars(ElementTree.tostring(test_suite.build_xml_doc(), encoding="unicode"))
    document, out = minidom.parseString(text.encode("utf-8")), io.StringIO()
    assert document.documentElement is not None  # the suite's own
    document.documentElement.writexml(out, "\t", "\t", "\n")
    document.unlink()  # its nodes point at each other: freed now, not at the next full collection
    return out.getvalue()


def suite(group: ManifestGroup, path: str, keys: Mapping[str, tuple[str, ...]]) -> TestSuite:
    classname = printable(path if group.manifest is None else f"{path} ({group.manifest})")
    names = numbered(case_name(f.id, f.slug, f.named_path or f.path) for f in group.findings)
    cases = [finding_case(f, name, classname, path) for f, name in zip(group.findings, names, strict=True)]
    cases += [TestCase(name, classname=classname, file=path, elapsed_sec=0.0)
              for name in passing_names(group, set(names), keys)]
    return TestSuite(printable(group.title), cases, file=path)


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


def passing_names(group: ManifestGroup, failing: set[str], keys: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A case per key each evaluated control checks (``keys``) without a finding there; a control of
    list items (no fixed keys) passes as one case, when it has no finding at all."""
    from ccaudit.rulesets import catalog

    slugs = {c.id: c.slug for c in catalog().values()}
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
