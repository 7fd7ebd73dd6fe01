"""CCA009 and CCA010 (phase 2, always on): a manifest compared with the files its tools come from.

A tool's ``source`` names an OpenAPI operation or an MCP server; ``spec.mcpConfigs`` lists the
agent's MCP configurations. Files are read through ``ccaudit.importers.sources`` (bounded, inside
the repository, once per run). A file that cannot be read is CCA001 (``unreadable``, reported by
the evaluate stage), never a pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ccaudit.controls.base import Context, Hit
from ccaudit.importers.sources import Loaded, open_source
from ccaudit.model import Path
from ccaudit.rulesets import ControlStandard

if TYPE_CHECKING:
    from ccaudit.importers import openapi

# The importers (OpenAPI, MCP) are imported where a manifest names a source: a check run
# without one does not pay for them at start-up.

RANK = {"read": 0, "write": 1, "delete": 2, "admin": 3}
ENOUGH = 12  # names listed in a message at most


def _sources(ctx: Context) -> Iterator[tuple[Path, str, Mapping[str, Any], str, Loaded]]:
    """(path of ``source``, kind, the source mapping, real path, what the file holds) of each tool."""
    for i, tool in ctx.items("tools"):
        source = tool.get("source")
        kind = next((k for k in ("openapi", "mcp") if isinstance(source, dict) and isinstance(source.get(k), str)),
                    None)
        if kind is not None:
            real, loaded = open_source(ctx.file, source[kind])  # type: ignore[index]
            yield ("spec", "tools", i, "source"), kind, source, real, loaded  # type: ignore[misc]


def _configs(ctx: Context) -> Iterator[tuple[Path, str, str, Loaded]]:
    value = ctx.spec.get("mcpConfigs")
    for j, name in enumerate(value if isinstance(value, list) else ()):
        if isinstance(name, str):
            yield ("spec", "mcpConfigs", j), name, *open_source(ctx.file, name)


def unreadable(ctx: Context) -> Iterator[tuple[Path, str]]:
    """(path, message) of each source or MCP configuration that cannot be read or parsed (CCA001)."""
    for path, kind, source, _, loaded in _sources(ctx):
        if loaded.problem is not None:
            yield path, f"source {kind} file {source[kind]!r}: {loaded.problem}"
    for path, name, _, loaded in _configs(ctx):
        if loaded.problem is not None:
            yield path, f"MCP configuration {name!r}: {loaded.problem}"


def source_mismatch(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    for path, kind, source, _, loaded in _sources(ctx):
        if loaded.problem is None:
            tool = ctx.spec["tools"][path[2]]
            check = _openapi if kind == "openapi" else _mcp
            yield from (hit._replace(path=path) for hit in check(tool, source, loaded.value))


def _names(names: list[str]) -> str:
    return ", ".join(names[:ENOUGH]) + (", ..." if len(names) > ENOUGH else "") if names else "none"


def _openapi(tool: Mapping[str, Any], source: Mapping[str, Any], doc: Any) -> Iterator[Hit]:
    from ccaudit.importers import openapi

    file, wanted = source["openapi"], source.get("operation")
    why = openapi.not_openapi(doc)
    if why is not None:
        yield Hit((), f"source {file!r} {why}, so tool {tool.get('name')!r} cannot be compared with it",
                  subject="not-openapi")
        return
    resolver = openapi.Resolver(doc)
    op = openapi.find(doc, str(wanted), resolver)
    if op is None:
        known = _names([o.id for o in openapi.operations(doc, resolver)])
        yield Hit((), f"source.operation {wanted!r} is not an operation of {file!r} (operations: {known})",
                  subject="operation")
        return
    yield from _access(tool, op, file)
    yield from _scopes(tool, op, openapi.security(doc, op, resolver).scopes, file)


def _access(tool: Mapping[str, Any], op: openapi.Operation, file: str) -> Iterator[Hit]:
    declared, actual = tool.get("access"), op.access
    if isinstance(declared, str) and actual is not None and RANK[declared] < RANK[actual]:
        yield Hit((), f"access is {declared}, but {file!r} defines {op.id!r} as {op.label}, which is "
                      f"{actual} access; declare access: {actual}", f"access: {actual}", subject="access")


def _scopes(tool: Mapping[str, Any], op: openapi.Operation, required: tuple[str, ...], file: str) -> Iterator[Hit]:
    declared = tool.get("scopes")
    held = set(declared) if isinstance(declared, list) else set()
    for scope in required:
        if scope not in held:
            yield Hit((), f"scopes omit {scope!r}, which {file!r} requires for {op.id!r} ({op.label})",
                      f"scopes: [{scope}]", subject=f"scope:{scope}")


def _mcp(tool: Mapping[str, Any], source: Mapping[str, Any], doc: Any) -> Iterator[Hit]:
    from ccaudit.importers import mcp

    file, wanted = source["mcp"], source.get("server")
    if mcp.servers_key(doc) is None:
        yield Hit((), f"source {file!r} is not an MCP client configuration (no `mcpServers` or `servers` "
                      f"mapping), so tool {tool.get('name')!r} cannot be compared with it", subject="not-mcp")
        return
    found = {s.name: s for s in mcp.servers(doc)}
    if wanted not in found:
        yield Hit((), f"source.server {wanted!r} is not a server of {file!r} (servers: {_names(list(found))})",
                  subject="server")
    elif not isinstance(found[wanted].node, dict):
        yield Hit((), f"server {wanted!r} of {file!r} is not a mapping, so tool {tool.get('name')!r} cannot be "
                      "compared with it", subject="server")


def undeclared_mcp_server(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    named = {(real, s.get("server")) for _, kind, s, real, _ in _sources(ctx) if kind == "mcp"}
    for path, name, real, loaded in _configs(ctx):
        if loaded.problem is not None:
            continue
        from ccaudit.importers import mcp

        if mcp.servers_key(loaded.value) is None:
            yield Hit(path, f"{name!r} is not an MCP client configuration (no `mcpServers` or `servers` mapping), "
                            "so its servers cannot be checked", subject="not-mcp")
            continue
        for server in mcp.servers(loaded.value):
            if (real, server.name) not in named:
                yield Hit(path, f"server {server.name!r} of {name!r} is named by no tool's source: the agent can "
                                "call it, but the manifest does not declare it",
                          f"tools:\n  - name: mcp.{server.name}\n    source: {{mcp: {name}, server: {server.name}}}",
                          subject=server.name)
