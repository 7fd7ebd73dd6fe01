"""``ccaudit import openapi|mcp``: a file a team already has -> draft manifest entries (or a merge)."""

from __future__ import annotations

import os
from typing import NamedTuple

from ccaudit.errors import Stop
from ccaudit.importers import mcp, openapi, sources
from ccaudit.importers.draft import Draft
from ccaudit.importers.render import document


class Outcome(NamedTuple):
    """What the command prints, the notes for stderr, and the file to write (``--merge``)."""

    text: str
    notes: tuple[str, ...] = ()
    write: tuple[str, str] | None = None


LEFT_OUT = ("What OpenAPI cannot say is left out, so that `ccaudit check` fails closed until a person "
            "decides: approval, dataCategories, requiresVerifiedCustomer, maxRecordsPerCall.")


def _load(file: str) -> object:
    """The first document of ``file``, read with the manifests' bounds; a Stop (exit 2) if it cannot be."""
    if not os.path.exists(file):
        raise Stop(f"path does not exist: {file}")
    loaded = sources.load(os.path.realpath(file))
    if loaded.problem is not None:
        raise Stop(f"{file}: {loaded.problem}")
    return loaded.value


def openapi_drafts(file: str, chosen: tuple[str, ...], shown: str) -> tuple[list[Draft], list[str]]:
    doc = _load(file)
    why = openapi.not_openapi(doc)
    if why is not None:
        raise Stop(f"{file} {why}")
    assert isinstance(doc, dict)
    resolver = openapi.Resolver(doc)
    ops = list(openapi.operations(doc, resolver))
    missing = [c for c in chosen if c not in {op.id for op in ops}]
    if missing:
        known = ", ".join(op.id for op in ops[:20]) + (", ..." if len(ops) > 20 else "")
        raise Stop(f"{file}: no operation {missing[0]!r} (operations: {known or 'none'})")
    picked = [op for op in ops if not chosen or op.id in chosen]
    return [openapi.draft(doc, op, shown, resolver) for op in picked], resolver.notes


def mcp_drafts(file: str, shown: str) -> tuple[dict[str, list[Draft]], list[str]]:
    doc = _load(file)
    if mcp.servers_key(doc) is None:
        raise Stop(f"{file} is not an MCP client configuration (no `mcpServers` or `servers` mapping)")
    tools: list[Draft] = []
    vendors: list[Draft] = []
    notes: list[str] = []
    for server in mcp.servers(doc):
        if not isinstance(server.node, dict):
            notes.append(f"{server.where}: server {server.name!r} is not a mapping; left out")
            continue
        tools.append(mcp.tool(server, shown))
        stub = mcp.vendor(server)
        if stub is not None and all(v["name"] != stub["name"] for v in vendors):
            vendors.append(stub)
    return {"tools": tools, "vendors": vendors}, notes


def _relative(file: str, manifest: str | None) -> str:
    """How a manifest names ``file``: relative to the manifest's folder (without ``--merge``, to
    the current folder, where the entries are likely pasted), with forward slashes: a manifest
    never names a source by an absolute path."""
    base = sources.base_folder(manifest) if manifest is not None else os.getcwd()
    return os.path.relpath(os.path.abspath(file), base).replace(os.sep, "/")


def openapi_command(file: str, chosen: tuple[str, ...], manifest: str | None, diff: bool) -> Outcome:
    tools, notes = openapi_drafts(file, chosen, _relative(file, manifest))
    header = [f"Drafted by `ccaudit import openapi` from {file}; each comment is the JSON pointer of the "
              "value in that file.", LEFT_OUT]
    return _finish({"tools": tools}, header, notes, file, manifest, diff)


def mcp_command(file: str, manifest: str | None, diff: bool) -> Outcome:
    sections, notes = mcp_drafts(file, _relative(file, manifest))
    header = [f"Drafted by `ccaudit import mcp` from {file} (no server was started); each comment is the "
              "JSON pointer of the value in that file.",
              "What a configuration cannot say is left out, so that `ccaudit check` fails closed."]
    return _finish(sections, header, notes, file, manifest, diff)


def _finish(sections: dict[str, list[Draft]], header: list[str], notes: list[str], file: str,
            manifest: str | None, diff: bool) -> Outcome:
    if manifest is None:
        return Outcome(document(header, sections), tuple(notes))
    from ccaudit.importers.merge import merge

    before, after, disagreements = merge(manifest, sections, file)
    notes = [*notes, *disagreements]
    if diff:
        import difflib

        lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), manifest, manifest)
        return Outcome("".join(lines), tuple(notes))
    return Outcome("", tuple(notes), (manifest, after) if after != before else None)
