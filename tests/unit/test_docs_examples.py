"""Every control documents itself (ruff's fixed sections), and its examples run (unlike yamllint's)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ccaudit.controls import ALWAYS_ON, CONTROLS
from ccaudit.loader import build_value, load_text
from ccaudit.rulesets import catalog
from tests.conftest import EXAMPLES, check_json

CONTROL_IDS = sorted(catalog())


def _base_manifest() -> dict[str, Any]:
    documents, error = load_text((EXAMPLES / "billing-voice-agent.yaml").read_text())
    assert error is None and build_value(documents[0]) is None
    return documents[0].value


def _merge(base: Any, fragment: Any) -> Any:
    """Mappings merged key by key, everything else (lists included) replaced."""
    if isinstance(base, dict) and isinstance(fragment, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in fragment.items()}}
    return fragment


def _example_text(control_id: str, which: str) -> str:
    example = catalog()[control_id].docs["example"]
    if example.get("scope") == "file":
        return str(example[which])
    documents, error = load_text(example[which])
    assert error is None and build_value(documents[0]) is None, f"{control_id} {which} example does not parse"
    manifest = _base_manifest()
    manifest["spec"] = _merge(manifest["spec"], documents[0].value)
    return yaml.safe_dump(manifest, sort_keys=False)


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_docs_have_every_section(control_id: str) -> None:
    docs = catalog()[control_id].docs
    for section in ("what", "why"):
        assert str(docs.get(section, "")).strip(), f"{control_id} lacks docs.{section}"
    for which in ("failing", "passing"):
        assert str(docs["example"].get(which, "")).strip(), f"{control_id} lacks a {which} example"


def test_every_catalog_control_has_a_check() -> None:
    # reported by the load and schema stages, and by the suppression stage
    input_only = {"CCA001", "CCA002", "CCA003", "CCA004", "CCA005", "CCA006"}
    assert set(CONTROL_IDS) == set(CONTROLS) | set(ALWAYS_ON) | input_only


@pytest.mark.parametrize("control_id", CONTROL_IDS)
@pytest.mark.parametrize("which", ["failing", "passing"])
def test_doc_example(control_id: str, which: str, write: Any) -> None:
    for name, text in catalog()[control_id].docs["example"].get("files", {}).items():
        write(name, text)  # side files the example names (a tool's source, an MCP configuration)
    path = write(f"{control_id}-{which}.yaml", _example_text(control_id, which))
    _, report = check_json("--assume-all", path)
    fired = [f for f in report["findings"] if f["id"] == control_id]
    if which == "failing":
        assert fired, f"{control_id}'s failing example does not fire it"
    else:
        assert not fired, f"{control_id}'s passing example fires it: {[f['message'] for f in fired]}"
