"""The evidence report as JSON, described by schemas/evidence.schema.json (version 1)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ccaudit import __version__
from ccaudit.evidence import (
    STATUSES,
    Cell,
    Column,
    Evidence,
    Exemption,
    Row,
    Section,
    binds,
    own_values,
    score_of,
    tally,
)
from ccaudit.model import Finding
from ccaudit.render import flow
from ccaudit.reporters.common import ENCODER
from ccaudit.reporters.json import upcoming_row

EVIDENCE_VERSION = 1


def lines(evidence: Evidence) -> Iterator[str]:
    """One requirement per line (a report of many manifests is written as it is made)."""
    yield "{" + _pair("version", EVIDENCE_VERSION) + ", " + _pair("tool", {"name": "ccaudit", "version": __version__})
    yield ",\n " + _pair("asOf", evidence.as_of) + ",\n " + _pair("manifests", manifests(evidence))
    yield ',\n "rulesets": ['
    kinds: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    kind_of = [kinds.setdefault((c.result.rulesets, c.result.pd), len(kinds)) for c in evidence.columns]
    for i, section in enumerate(evidence.sections):
        yield ("," if i else "") + "\n  " + _section_head(evidence, section)
        for j, row in enumerate(section.rows):
            yield ("," if j else "") + "\n   " + requirement(evidence, row, kind_of)
        yield "]}"
    yield "],\n " + _pair("register", [exemption(e) for e in evidence.register])
    yield ",\n " + _pair("upcoming", [upcoming_row(u) for u in evidence.upcoming])
    yield ",\n " + _pair("inputProblems", [finding(f) for f in evidence.orphans])
    yield ",\n " + _pair("summary", summary(evidence)) + "}\n"


def _dump(value: Any) -> str:
    return ENCODER.encode(value)


def _pair(key: str, value: Any) -> str:
    return f"{_dump(key)}: {_dump(value)}"


def _score(pair: tuple[int, int]) -> dict[str, int]:
    return {"passing": pair[0], "applicable": pair[1]}


def manifests(evidence: Evidence) -> list[dict[str, Any]]:
    return [{"file": c.file, "name": c.name, "rulesets": list(c.result.rulesets), "score": _score(score),
             "inputProblems": [finding(f) for f in c.problems]}
            for c, score in zip(evidence.columns, evidence.column_scores(), strict=True)]


def _section_head(evidence: Evidence, section: Section) -> str:
    worst = evidence.most_failed(section.rows)
    head = {"id": section.ruleset.id, "title": section.ruleset.title,
            "score": _score(score_of(tally(section.rows))),
            "mostFailed": None if worst is None else {"control": worst[0], "failures": worst[1]}}
    return _dump(head)[:-1] + ', "requirements": ['


def requirement(evidence: Evidence, row: Row, kind_of: Sequence[int]) -> str:
    """One requirement as JSON text (``kind_of``: per manifest, the number of its rulesets and personal data)."""
    req = row.requirement
    head = {"control": row.control.id, "slug": row.control.slug, "title": row.control.title,
            "inForce": not row.upcoming, "effectiveDate": req.effective, "proposed": req.proposed,
            "parameters": {k: flow(v) for k, v in req.parameters.items()},
            "citations": [{"ref": c.ref, "verified": c.verified, "quote": c.quote, "parameter": c.parameter}
                          for c in req.citations]}
    return _dump(head)[:-1] + ', "cells": [' + _cells(evidence, row, kind_of) + "]}"


def _cells(evidence: Evidence, row: Row, kind_of: Sequence[int]) -> str:
    """The row's cells, each distinct one encoded once: a cell without findings is a shared object
    (one per status and reason), whose text depends on the kind of manifest only where the
    requirement has parameters (their values). The work per cell is done by zip, map and dict
    (848,000 cells at 10,000 manifests)."""
    ids = list(map(id, row.cells))
    keys: list[Any] = list(zip(ids, kind_of, strict=True)) if row.requirement.parameters else ids
    some = dict(zip(keys, range(len(keys)), strict=True))  # each distinct key -> one of its manifests
    values: dict[int, dict[str, Any]] = {}  # the parameters' values, per kind of manifest

    def values_on(i: int) -> dict[str, Any]:
        if kind_of[i] not in values:
            values[kind_of[i]] = _values(evidence, row, evidence.columns[i])
        return values[kind_of[i]]

    text = {key: _dump(cell(row.cells[i], values_on(i))) for key, i in some.items()}
    return ", ".join(map(text.__getitem__, keys))


def cell(x: Cell, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"status": x.status}
    if x.reason:
        out["reason"] = x.reason
    if x.status in ("pass", "fail", "waived", "suppressed", "baselined"):
        out.update(values)
    if x.findings:
        out["findings"] = [finding(f) for f in x.findings]
    return out


def _values(evidence: Evidence, row: Row, column: Column) -> dict[str, Any]:
    """A requirement's own and effective values on a manifest, and whether it binds (none without parameters)."""
    if not row.requirement.parameters:
        return {}
    return {"value": own_values(row.requirement, column.result.pd),
            "effective": evidence.effective(column, row.control.id), "binding": binds(evidence, row, column)}


def finding(f: Finding) -> dict[str, Any]:
    return {"id": f.id, "file": f.file, "line": f.span.line, "column": f.span.column, "manifest": f.manifest,
            "path": f.path, "message": f.message, "fingerprint": f.fingerprint,
            "suppressed": None if f.suppressed is None else {
                "kind": f.suppressed.kind, "reason": f.suppressed.reason, "until": f.suppressed.until}}


def exemption(e: Exemption) -> dict[str, Any]:
    return {"kind": e.kind, "controls": list(e.controls), "reason": e.reason, "until": e.until, "where": e.where,
            "expired": e.expired, "daysLeft": e.days_left, "findings": e.findings}


def summary(evidence: Evidence) -> dict[str, Any]:
    rows = [r for s in evidence.sections for r in s.rows]
    worst, counted = evidence.most_failed(rows), tally(rows)
    return {"manifests": len(evidence.columns), "rulesets": len(evidence.sections),
            "byStatus": {s: counted[s] for s in STATUSES},
            "score": _score(score_of(counted)), "failedRequirements": len(evidence.failed()),
            "mostFailed": None if worst is None else {"control": worst[0], "failures": worst[1]},
            "exceptions": len(evidence.register), "expiredExceptions": sum(e.expired for e in evidence.register)}
