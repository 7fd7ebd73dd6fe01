"""The parsed copies of rulesets/ (ccaudit/_bundled/): one per data file, none left over, and used
only while they match their source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ccaudit import datafiles, generate
from ccaudit.resources import data_dir


def test_there_is_one_copy_per_data_file_and_none_left_over() -> None:
    sources = {path.stem for path in data_dir("rulesets").glob("*.yaml")}
    assert {path.stem for path in datafiles.BUNDLE.glob("*.json")} == sources
    assert generate.left_over() == []


def test_a_changed_source_is_read_from_yaml_and_the_others_from_their_copies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rulesets"
    shutil.copytree(data_dir("rulesets"), folder)
    regions = folder / "regions.yaml"
    text = regions.read_text(encoding="utf-8")
    changed = text.replace('"2026-11-30"', '"2099-01-01"', 1)
    assert changed != text and len(changed) == len(text)  # the same size: the checksum must tell
    regions.write_text(changed, encoding="utf-8")
    parsed: list[str] = []
    real = datafiles.read_yaml

    def read_yaml(path: Path) -> Any:
        parsed.append(path.name)
        return real(path)

    monkeypatch.setattr(datafiles, "data_dir", lambda name: folder)
    monkeypatch.setattr(datafiles, "read_yaml", read_yaml)
    data = datafiles.builtin_data.__wrapped__()
    assert data["regions.yaml"]["checked"] == "2099-01-01" and parsed == ["regions.yaml"]
    copy = json.loads((datafiles.BUNDLE / "gdpr.json").read_text(encoding="utf-8"))
    assert data["gdpr.yaml"] == copy["data"] == real(folder / "gdpr.yaml")
