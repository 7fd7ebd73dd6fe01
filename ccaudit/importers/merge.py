"""``--merge``: add drafts to a manifest in place with ruamel.yaml's round trip, keeping its
comments and layout. A value the manifest sets is never overwritten: where the source says
otherwise, the disagreement is listed. Imported only by ``ccaudit import`` (never by ``check``).
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ccaudit.authoring.yamlrt import flow_seq, new_yaml
from ccaudit.errors import Stop
from ccaudit.files import describe, read_text
from ccaudit.importers.draft import Draft, Said
from ccaudit.importers.render import comment
from ccaudit.render import flow

KEYS = {"tools": "name", "vendors": "name"}


def merge(manifest: str, sections: dict[str, list[Draft]], source: str) -> tuple[str, str, list[str]]:
    """(text before, text after, disagreements) of merging ``sections`` into ``manifest``'s spec."""
    try:
        before = read_text(manifest)
    except (OSError, UnicodeDecodeError) as exc:
        raise Stop(f"cannot read {manifest}: {describe(exc)}") from None
    yaml = new_yaml(before)
    try:
        documents = list(yaml.load_all(before))
    except Exception as exc:
        raise Stop(f"{manifest}: cannot parse YAML: {str(exc).splitlines()[0]}") from None
    spec = _spec(documents, manifest)
    disagreements: list[str] = []
    for key, drafts in sections.items():
        for draft in drafts:
            _merge_item(spec, key, draft, source, disagreements)
    out = io.StringIO()
    yaml.dump_all(documents, out) if len(documents) > 1 else yaml.dump(documents[0], out)
    return before, out.getvalue(), disagreements


def _spec(documents: list[Any], manifest: str) -> CommentedMap:
    for doc in documents:
        if isinstance(doc, dict) and doc.get("kind") == "AgentDeployment" and isinstance(doc.get("spec"), dict):
            return doc["spec"]
    raise Stop(f"{manifest} holds no AgentDeployment manifest with a spec mapping")


def _merge_item(spec: CommentedMap, key: str, draft: Draft, source: str, disagreements: list[str]) -> None:
    items = spec.get(key)
    if items is None:
        items = spec[key] = CommentedSeq()
    if not isinstance(items, list):
        disagreements.append(f"spec.{key} is not a list; {_name(draft)} not added")
        return
    match = next((i for i in items if isinstance(i, dict) and i.get(KEYS[key]) == _name(draft)), None)
    if match is None:
        items.append(_new(draft))
    else:
        _fill(match, draft, f"spec.{key}[{_name(draft)}]", source, disagreements)


def _name(draft: Draft) -> Any:
    said = draft["name"]
    return said.value if isinstance(said, Said) else None


def _new(draft: Draft) -> CommentedMap:
    node = CommentedMap()
    for key, value in draft.items():
        _set(node, key, value)
    return node


def _set(node: CommentedMap, key: str, value: Said | Draft) -> None:
    if not isinstance(value, Said):
        node[key] = _new(value)
        return
    node[key] = flow_seq(value.value) if isinstance(value.value, list) else value.value
    if value.where:
        node.yaml_add_eol_comment(comment(value.where).strip(), key)


def _fill(node: Any, draft: Draft, path: str, source: str, disagreements: list[str]) -> None:
    """Keys the manifest lacks are added; keys it sets are kept, and listed where they differ."""
    for key, value in draft.items():
        mine = node.get(key)
        if key not in node:
            _set(node, key, value)
        elif isinstance(value, Said):
            if not _same(mine, value.value):
                disagreements.append(f"{path}.{key}: the manifest says {flow(_bare(mine))}, {source} says "
                                     f"{flow(value.value)} ({value.where or source}); the manifest's value is kept")
        elif isinstance(mine, dict):
            _fill(mine, value, f"{path}.{key}", source, disagreements)
        else:
            disagreements.append(f"{path}.{key}: the manifest's value is not a mapping; kept")


def _bare(value: Any) -> Any:
    return [_bare(v) for v in value] if isinstance(value, list) else value


def _same(mine: Any, theirs: Any) -> bool:
    if isinstance(mine, list) and isinstance(theirs, list):
        return sorted(map(str, mine)) == sorted(map(str, theirs))
    return bool(mine == theirs)
