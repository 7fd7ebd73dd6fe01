"""OpenAPI 3.0 and 3.1 documents -> draft tool entries (cli.md, Importers).

One tool per operation: ``name`` from ``operationId`` (else ``METHOD /path``), ``description``
from ``summary``, ``access`` from the method, ``scopes`` and ``auth.type`` from the security
requirements, ``fields`` from the success response's JSON schema. Local ``$ref``s are resolved
(cycles and chains longer than ``MAX_HOPS`` stop); external ones are reported, never followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ccaudit.importers.draft import Draft, Said, parts_of, pointer

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ACCESS = {"get": "read", "head": "read", "post": "write", "put": "write", "patch": "write", "delete": "delete"}
AUTH_TYPES = {"oauth2": "oauth2", "openIdConnect": "oauth2", "mutualTLS": "mtls", "apiKey": "api_key"}
SCOPED = frozenset({"oauth2", "openIdConnect"})
MAX_HOPS = 32  # $ref chains and allOf nesting followed at most this far
_SUCCESS = re.compile(r"2(\d\d|XX)")


class Operation(NamedTuple):
    id: str
    method: str
    path: str
    where: str  # JSON pointer of the operation object
    node: dict[str, Any]

    @property
    def access(self) -> str | None:
        return ACCESS.get(self.method)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def not_openapi(doc: Any) -> str | None:
    """Why ``doc`` is not an OpenAPI 3 document, or None."""
    version = doc.get("openapi") if isinstance(doc, dict) else None
    if not (isinstance(version, str) and version.startswith("3.")):
        return "is not an OpenAPI 3 document (no `openapi: 3.x` at the top)"
    if not isinstance(doc.get("paths", {}), dict):
        return "is not an OpenAPI 3 document (`paths` is not a mapping)"
    return None


class Resolver:
    """Follows local ``$ref``s; notes the external ones and the cycles it meets."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.notes: list[str] = []

    def deref(self, node: Any, where: str) -> tuple[Any, str]:
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                self._note(f"{where}/$ref: external reference {ref!r} not followed")
                return None, where
            if ref in seen or len(seen) >= MAX_HOPS:
                self._note(f"{where}/$ref: {'cycle' if ref in seen else 'chain too long'} at {ref!r}")
                return None, where
            seen.add(ref)
            node, where = self._at(parts_of(ref)), pointer(*parts_of(ref))
        return node, where

    def _at(self, parts: list[str]) -> Any:
        node: Any = self.doc
        for part in parts:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def operations(doc: dict[str, Any], resolver: Resolver) -> Iterator[Operation]:
    paths = doc.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        item, _ = resolver.deref(item, pointer("paths", path))
        for method in METHODS:
            node = item.get(method) if isinstance(item, dict) else None
            if isinstance(node, dict):
                op_id = node.get("operationId")
                name = op_id if isinstance(op_id, str) and op_id else f"{method.upper()} {path}"
                yield Operation(name, method, str(path), pointer("paths", path, method), node)


def find(doc: dict[str, Any], op_id: str, resolver: Resolver | None = None) -> Operation | None:
    return next((op for op in operations(doc, resolver or Resolver(doc)) if op.id == op_id), None)


class Security(NamedTuple):
    scopes: tuple[str, ...]
    scopes_where: str
    auth: str | None
    auth_where: str


def security(doc: dict[str, Any], op: Operation, resolver: Resolver) -> Security:
    """Scopes of every OAuth2/OpenID Connect requirement (the operation's, else the document's), and
    the auth type of the first scheme that has one."""
    own = "security" in op.node
    requirements, where = (op.node["security"], f"{op.where}/security") if own else (doc.get("security"), "/security")
    schemes = (doc.get("components") or {}).get("securitySchemes") if isinstance(doc.get("components"), dict) else None
    scopes: list[str] = []
    auth: tuple[str | None, str] = (None, "")
    for requirement in requirements if isinstance(requirements, list) else ():
        for name, wanted in requirement.items() if isinstance(requirement, dict) else ():
            scheme, at = resolver.deref((schemes or {}).get(name) if isinstance(schemes, dict) else None,
                                        pointer("components", "securitySchemes", name))
            kind = _auth_type(scheme)
            if auth[0] is None and kind is not None:
                auth = (kind, f"{at}/type")
            if isinstance(scheme, dict) and scheme.get("type") in SCOPED and isinstance(wanted, list):
                scopes.extend(s for s in wanted if isinstance(s, str) and s not in scopes)
    return Security(tuple(scopes), where, *auth)


def _auth_type(scheme: Any) -> str | None:
    if not isinstance(scheme, dict):
        return None
    if scheme.get("type") == "http":
        return "basic" if str(scheme.get("scheme", "")).lower() == "basic" else None
    return AUTH_TYPES.get(scheme.get("type"))  # type: ignore[arg-type]


def fields(op: Operation, resolver: Resolver) -> Said | None:
    """Top-level properties of the first 2xx response's JSON schema; ``"*"`` for a schema without them."""
    responses, where = resolver.deref(op.node.get("responses"), f"{op.where}/responses")
    codes = sorted(str(c) for c in responses if _SUCCESS.fullmatch(str(c))) if isinstance(responses, dict) else []
    if not codes:
        return None
    response, where = resolver.deref(responses[codes[0]], f"{where}{pointer(codes[0])}")
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict):
        return None
    media = next((m for m in sorted(content, key=lambda m: m != "application/json") if "json" in m), None)
    if media is None:
        return None
    schema, where = resolver.deref(content[media].get("schema") if isinstance(content[media], dict) else None,
                                   f"{where}{pointer('content', media, 'schema')}")
    if not isinstance(schema, dict):
        return None
    names = _properties(schema, resolver, where, 0, set())
    return Said(names or ["*"], f"{where}/properties" if names else where)


def _properties(schema: dict[str, Any], resolver: Resolver, where: str, depth: int, seen: set[int]) -> list[str]:
    """The property names of a schema and of its ``allOf`` parts, each part read once (a part
    that lists itself, or a diamond of references, costs nothing more)."""
    seen.add(id(schema))
    own = schema.get("properties")
    names = [str(k) for k in own] if isinstance(own, dict) else []
    parts = schema.get("allOf")
    for i, part in enumerate(parts if isinstance(parts, list) and depth < MAX_HOPS else ()):
        part, at = resolver.deref(part, f"{where}/allOf/{i}")
        if isinstance(part, dict) and id(part) not in seen:
            names.extend(n for n in _properties(part, resolver, at, depth + 1, seen) if n not in names)
    return names


def draft(doc: dict[str, Any], op: Operation, file: str, resolver: Resolver) -> Draft:
    """One tool entry; what OpenAPI cannot say (approval, data categories, verification, records
    per call) is left out, so that ``check`` fails closed until a person decides."""
    entry: Draft = {"name": Said(op.id, f"{op.where}/operationId" if op.id == op.node.get("operationId") else op.where)}
    if isinstance(op.node.get("summary"), str):
        entry["description"] = Said(op.node["summary"], f"{op.where}/summary")
    if op.access is not None:
        entry["access"] = Said(op.access, f"{op.where} ({op.method.upper()})")
    found = security(doc, op, resolver)
    if found.scopes:
        entry["scopes"] = Said(list(found.scopes), found.scopes_where)
    said = fields(op, resolver)
    if said is not None:
        entry["fields"] = said
    if found.auth is not None:
        entry["auth"] = {"type": Said(found.auth, found.auth_where)}
    entry["source"] = {"openapi": Said(file, ""), "operation": Said(op.id, op.where)}
    return entry
