"""Drafts as YAML text: one line per value, each with a comment naming where its source says it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from ccaudit.importers.draft import Draft, Said


def scalar(value: Any) -> str:
    """A value as one line of YAML flow text (quoted where YAML needs it)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...")


def comment(where: str) -> str:
    """``  # /paths/~1refunds/post``: escaped so that no source text can end the comment's line."""
    return f"  # {json.dumps(where)[1:-1]}" if where else ""


def entry_lines(entry: Draft, indent: str) -> Iterator[str]:
    """``- key: value  # pointer`` lines of one list item, nested mappings indented."""
    first = True
    for line in _mapping(entry, indent + "  "):
        yield (indent + "- " + line[len(indent) + 2:]) if first else line
        first = False


def _mapping(entry: Draft, indent: str) -> Iterator[str]:
    for key, value in entry.items():
        if isinstance(value, Said):
            yield f"{indent}{key}: {scalar(value.value)}{comment(value.where)}"
        else:
            yield f"{indent}{key}:"
            yield from _mapping(value, indent + "  ")


def document(header: list[str], sections: dict[str, list[Draft]]) -> str:
    """The whole output: comment header, then each non-empty list (``tools``, ``vendors``)."""
    lines = [f"# {line}" for line in header]
    for key, entries in sections.items():
        if entries:
            lines.append(f"{key}:")
            lines.extend(line for entry in entries for line in entry_lines(entry, "  "))
    return "\n".join(lines) + "\n"
