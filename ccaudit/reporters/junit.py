"""JUnit XML (written with junit-xml) for GitLab, Jenkins and other CI test reports.

One test suite per manifest; one failing test case per finding and one passing test case
per evaluated control without findings; a suppressed finding is a skipped test case.
Test case names are unique within a suite (id, file:line:column, and ``#n`` if needed).
"""

from __future__ import annotations

from collections.abc import Iterable

from junit_xml import TestCase, TestSuite, to_xml_report_string

from ccaudit.model import Finding, RunResult
from ccaudit.reporters.common import ManifestGroup, cite, location, manifest_groups


def render(result: RunResult) -> str:
    suites = [suite(group) for group in manifest_groups(result)]
    return to_xml_report_string(suites, prettyprint=True, encoding="utf-8") + "\n"


def suite(group: ManifestGroup) -> TestSuite:
    from ccaudit.rulesets import catalog

    slugs = {c.id: c.slug for c in catalog().values()}
    classname = "ccaudit." + (group.manifest or group.file).replace(".", "_")  # dots split Jenkins' packages
    failing = {f.id for f in group.findings}
    cases = [finding_case(f, name, classname) for f, name in zip(group.findings, unique_names(group.findings))]
    cases += [TestCase(f"{control} {slugs.get(control, '')}".rstrip(), classname=classname, file=group.file,
                       elapsed_sec=0.0) for control in group.controls if control not in failing]
    return TestSuite(group.title, cases, file=group.file)


def unique_names(findings: Iterable[Finding]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for finding in findings:
        name = f"{finding.id} {location(finding)}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return names


def finding_case(finding: Finding, name: str, classname: str) -> TestCase:
    case = TestCase(name, classname=classname, file=finding.file, line=finding.span.line, elapsed_sec=0.0)
    if finding.suppressed is not None:
        case.add_skipped_info(f"suppressed ({finding.suppressed.kind}): {finding.suppressed.reason}")
    else:
        case.add_failure_info(f"[{finding.severity}] {finding.message}", details(finding), finding.slug)
    return case


def details(finding: Finding) -> str:
    lines = [f"{location(finding)}: {finding.id} {finding.slug} [{finding.severity}]", finding.message,
             f"path: {finding.path}" if finding.path else ""]
    lines += [f"required by {r.ruleset}: {cite(r)}" + ("" if r.binding else " (not binding)")
              for r in finding.requirements]
    if finding.remediation:
        lines += ["fix:", *("  " + line for line in finding.remediation.splitlines())]
    return "\n".join(line for line in lines if line)
