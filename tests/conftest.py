"""Shared test helpers: run the CLI in process, check YAML text, read findings as (id, line)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ccaudit.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"


# The `write` fixture: write a file under tmp_path (name, text or bytes) and return its path.
Write = Callable[[str, str | bytes], str]


def run_cli(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(main, list(args), env=env, catch_exceptions=False)


def check_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("check", "-f", "json", *args)
    return result.exit_code, json.loads(result.stdout)


@cache
def example_findings(name: str = "claims-chat-agent.yaml") -> int:
    """How many findings ``check`` reports today for a bundled example (tests compare other views with it)."""
    return int(check_json(str(EXAMPLES / name))[1]["summary"]["findings"])


def ids_lines(report: dict[str, Any]) -> set[tuple[str, int]]:
    return {(f["id"], f["line"]) for f in report["findings"]}


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a file under tmp_path and return its path as a string."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return _write
