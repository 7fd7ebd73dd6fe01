"""MCP client configurations -> tool stubs (and vendor stubs for remote servers).

Four formats, two shapes: ``.mcp.json`` (Claude Code), ``claude_desktop_config.json`` and
``.cursor/mcp.json`` hold ``mcpServers``; ``.vscode/mcp.json`` holds ``servers``. Read as data:
no server is started, no variable is expanded, the environment is never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ccaudit.importers.draft import Draft, Said, pointer

SHAPES = ("mcpServers", "servers")
SECRET_NAME = re.compile(r"(TOKEN|KEY|SECRET|PASSWORD)$", re.IGNORECASE)
VARIABLE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")  # ${VAR}, ${env:VAR}, ${input:id}, $VAR


class Server(NamedTuple):
    name: str
    where: str  # JSON pointer of the server's entry
    node: Any  # a mapping in a well-formed configuration


def servers_key(doc: Any) -> str | None:
    """``mcpServers`` or ``servers``: the key that holds the servers, or None if this is no MCP configuration."""
    if isinstance(doc, dict):
        return next((k for k in SHAPES if isinstance(doc.get(k), dict)), None)
    return None


def servers(doc: Any) -> Iterator[Server]:
    key = servers_key(doc)
    for name, node in doc[key].items() if key else ():
        yield Server(str(name), pointer(key, name), node)


def literal_secret(server: Server) -> str | None:
    """The pointer of the first secret written into ``env`` or ``headers`` as a literal, if any."""
    for section in ("env", "headers"):
        values = server.node.get(section)
        for name, value in values.items() if isinstance(values, dict) else ():
            if SECRET_NAME.search(str(name)) and _literal(value):
                return f"{server.where}{pointer(section, name)}"
    return None


def _literal(value: Any) -> bool:
    if not isinstance(value, str):
        return value is not None
    return bool(value.strip()) and not VARIABLE.search(value)


def host(server: Server) -> str | None:
    """The host of a remote server's ``url`` (parsed, never contacted)."""
    from urllib.parse import urlsplit

    url = server.node.get("url")
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def tool(server: Server, file: str) -> Draft:
    entry: Draft = {"name": Said(f"mcp.{server.name}", server.where)}
    secret = literal_secret(server)
    if secret is not None:
        entry["auth"] = {"credential": Said("static", secret)}
    entry["source"] = {"mcp": Said(file, ""), "server": Said(server.name, server.where)}
    return entry


def vendor(server: Server) -> Draft | None:
    name = host(server)
    return None if name is None else {"name": Said(name, f"{server.where}/url")}
