"""Importers (phase 2): read OpenAPI documents and MCP client configurations statically.

``sources`` loads them with the manifests' bounds (shared by ``check`` and ``import``);
``openapi`` and ``mcp`` turn them into draft tool entries; ``render`` prints drafts as
commented YAML; ``merge`` adds drafts to a manifest (ruamel.yaml, imported only there).
Nothing here fetches a URL, starts a server or reads the environment.
"""
