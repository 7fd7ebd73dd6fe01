"""Fail-closed cases found by reviewing the phase-2 change: a selection never hides an input
problem, a quoted apiVersion marks a manifest, and an OpenAPI schema that lists itself in
``allOf`` is read once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.test_importers import MANIFEST, _tool
from tests.conftest import Write, check_json, run_cli

BROKEN = "apiVersion: ccaudit/v1\nkind: AgentDeployment\nmetadata: {name: a, owner: b\nspec: [\n"


@pytest.mark.parametrize("comment", ["", '# ccaudit: ignore[CCA702] reason="kept in the GRC tool"\n'])
def test_a_selection_never_hides_a_file_that_does_not_parse(write: Write, comment: str) -> None:
    """With a ccaudit comment, the suppression stage ran and its selection filter dropped CCA001."""
    code, report = check_json("--select", "CCA205", write("broken.yaml", BROKEN + comment))
    assert code == 1 and [f["id"] for f in report["findings"]] == ["CCA001"]


def test_an_unreadable_source_is_reported_whatever_the_selection(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    manifest = tmp_path / "agent.yaml"
    manifest.write_text(MANIFEST.format(name="agent", tools=_tool("crm.delete", "apis/missing.yaml")))
    code, report = check_json("--select", "CCA009", str(manifest))
    assert code == 1 and [(f["id"], f["path"]) for f in report["findings"]] == [("CCA001", "spec.tools[0].source")]


@pytest.mark.parametrize("marker", ['apiVersion: "ccaudit/v1"', "apiVersion: 'ccaudit/v1'", "apiVersion:  ccaudit/v1",
                                    '"apiVersion": "ccaudit/v1"'])
def test_a_quoted_or_spaced_api_version_marks_a_broken_manifest(write: Write, marker: str) -> None:
    code, report = check_json(write("broken.yaml", BROKEN.replace("apiVersion: ccaudit/v1", marker)))
    assert code == 1 and [f["id"] for f in report["findings"]] == ["CCA001"]
    assert report["files"] == [{"file": report["findings"][0]["file"], "manifests": 0}]


def test_an_all_of_that_lists_itself_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each part of an ``allOf`` is read once: a schema listing itself three times used to fan
    out 3^32 times (the depth bound alone does not bound the work)."""
    from ccaudit.importers import openapi

    calls: list[str] = []
    real = openapi._properties

    def counted(*args: Any) -> list[str]:
        calls.append(args[2])
        return real(*args)

    monkeypatch.setattr(openapi, "_properties", counted)
    loop = {"$ref": "#/components/schemas/Contact"}
    document = {"openapi": "3.1.0", "info": {"title": "crm", "version": "1"},
                "paths": {"/contacts": {"get": {"operationId": "listContacts", "responses": {"200": {
                    "description": "ok", "content": {"application/json": {"schema": loop}}}}}}},
                "components": {"schemas": {"Contact": {"properties": {"name": {}, "email": {}},
                                                       "allOf": [loop, loop, loop]}}}}
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(document))
    result = run_cli("import", "openapi", str(path))
    assert result.exit_code == 0, result.output
    assert "fields: [name, email]" in result.stdout and len(calls) == 1


def test_merge_keeps_the_manifests_permissions(tmp_path: Path) -> None:
    """``import --merge`` rewrote the user's manifest with the default mode; it now keeps its own."""
    from tests.conftest import EXAMPLES, FIXTURES

    manifest = tmp_path / "agent.yaml"
    manifest.write_text((EXAMPLES / "billing-voice-agent.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    manifest.chmod(0o640)
    api = FIXTURES / "importers" / "paypal-payments.json"
    result = run_cli("import", "openapi", str(api), "--operation", "captures.refund", "--merge", str(manifest))
    assert result.exit_code == 0, result.output
    assert "captures.refund" in manifest.read_text(encoding="utf-8") and manifest.stat().st_mode & 0o777 == 0o640
