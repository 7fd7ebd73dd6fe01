"""ruamel.yaml's round trip, the one tool that rewrites YAML: comments, blank lines, key order,
quoting, flow or block style and document markers survive, so a diff shows only what changed.

A file is only ever rewritten when ruamel.yaml gives back its exact text unchanged (``load``
returns None otherwise), so nothing but the edits can differ. Line endings (CRLF) and a UTF-8
byte order mark are taken off before and put back after. Imported by ``fix`` and ``init`` only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from ccaudit.loader import codec_of
from ccaudit.model import Path

REWRITABLE_CODECS = ("utf-8", "utf-8-sig")


class Layout(NamedTuple):
    """What a file's text carries besides YAML: its codec (``utf-8-sig``: a BOM) and line break."""

    codec: str = "utf-8"
    newline: str = "\n"


def decode(data: bytes) -> tuple[str, Layout] | str:
    """The text with LF line breaks and its layout, or why it cannot be rewritten."""
    codec = codec_of(data)
    if codec not in REWRITABLE_CODECS:
        return f"only UTF-8 files are rewritten (this one is {codec.upper()})"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return "the file is not valid UTF-8"
    crlf = text.count("\r\n")
    if text.count("\r") != crlf or (crlf and crlf != text.count("\n")):
        return "the file mixes line endings"
    return text.replace("\r\n", "\n"), Layout(codec, "\r\n" if crlf else "\n")


def encode(text: str, layout: Layout) -> bytes:
    return text.replace("\n", layout.newline).encode(layout.codec)


_KEY_LINE = re.compile(r"^\s*(?:- )?[^\s#][^:]*:\s*(?:#.*)?$")


def _indents(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset of block sequences) as the file writes them."""
    mapping = offset = None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for above, below in pairwise(lines):
        if not _KEY_LINE.match(above):
            continue
        start = len(above) - len(above.lstrip()) + (2 if above.lstrip().startswith("- ") else 0)
        step = len(below) - len(below.lstrip()) - start
        if step <= 0:
            continue
        if below.lstrip().startswith("- "):
            offset = step if offset is None else offset
        else:
            mapping = step if mapping is None else mapping
    return mapping or 2, offset or 0


def new_yaml(text: str = "") -> YAML:
    """A pure-Python round-trip YAML (no C extension needed) set to ``text``'s indentation."""
    mapping, offset = _indents(text)
    rt = YAML(typ="rt", pure=True)
    rt.preserve_quotes = True
    rt.width = 1 << 16  # never fold a long line
    rt.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return rt


class RoundTrip(NamedTuple):
    yaml: YAML
    documents: list[Any]
    suffix: str = ""  # a last ``...`` line, which ruamel.yaml writes after every document or none


def load(text: str) -> RoundTrip | None:
    """The documents of ``text``, when ruamel.yaml dumps them back to exactly ``text`` (with or
    without explicit ``---`` and ``...`` markers, as the file writes them)."""
    suffix = "...\n" if text.endswith("\n...\n") else ""
    body = text[: len(text) - len(suffix)]
    rt = new_yaml(body)
    try:
        documents = list(rt.load_all(body))
        for start, end in ((None, None), (True, None), (None, True), (True, True)):
            rt.explicit_start, rt.explicit_end = start, end
            trip = RoundTrip(rt, documents, suffix)
            if dump(trip) == text:
                return trip
    except Exception:  # ruamel.yaml's errors have no common base; any of them means "not this file"
        return None
    return None


def dump(trip: RoundTrip) -> str:
    out = io.StringIO()
    trip.yaml.dump_all(trip.documents, out)
    return out.getvalue() + trip.suffix


def plain(value: Any) -> Any:
    """A round-trip value as plain Python (for comparing with a required value)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value) if isinstance(value, str) else value


_MISSING = object()


def get(document: Any, path: Path) -> Any:
    """The value at ``path``, or None when it (or a section above it) is missing or not a container."""
    node = document
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def can_set(document: Any, path: Path) -> bool:
    """Whether every section above ``path`` is a mapping or missing (a list item must exist)."""
    node = document
    for part in path[:-1]:
        if node is None:
            return not isinstance(part, int)
        if isinstance(part, int):
            if not (isinstance(node, list) and part < len(node)):
                return False
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return False
    return node is None or isinstance(node, dict)


def put(document: Any, path: Path, value: Any) -> None:
    """Set ``path``: a value in place; a missing key at the end of its mapping (a missing section
    at the end of its parent), taking over the comments that followed the mapping's last line."""
    node = document
    for depth, part in enumerate(path[:-1]):
        child = node[part] if isinstance(part, int) else node.get(part)
        if child is None:
            _append(node, part, _nested(path[depth + 1:], value))
            return
        node = child
    key = path[-1]
    if key in node:
        node[key] = _styled(value, node[key])
    else:
        _append(node, key, _nested((), value))


def extend(document: Any, path: Path, items: list[Any]) -> None:
    """Append ``items`` to the list at ``path`` in its style (flow stays flow), or set a new list."""
    current = get(document, path)
    if not isinstance(current, list):
        put(document, path, list(items))
        return
    tail = _take_tail(current)
    for item in items:
        current.append(item)
    if tail:
        _attach(current, len(current) - 1, tail)


def _nested(path: Path, value: Any) -> Any:
    """``value`` under the keys of ``path`` (``("a", "b"), 1`` -> ``{a: {b: 1}}``)."""
    for part in reversed(path):
        value = CommentedMap([(part, value)])
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        value = flow_seq(value)
    return value


def flow_seq(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _styled(value: Any, old: Any) -> Any:
    """A new value in the old one's style where it has one (a list stays flow or block)."""
    if isinstance(value, list):
        seq = CommentedSeq(value)
        if not isinstance(old, CommentedSeq) or old.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    return value


def _append(node: Any, key: Any, value: Any) -> None:
    tail = _take_tail(node)
    node[key] = value
    if tail:
        _attach(node, key, tail)


def _last(node: Any) -> Any:
    return list(node.keys())[-1] if isinstance(node, dict) else len(node) - 1


def _containers(node: Any) -> Iterator[Any]:
    """``node`` and the last value of each container down its last line."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node):
        yield node
        node = node[_last(node)]


def _take_tail(node: Any) -> str:
    """Remove and return the comments and blank lines after ``node``'s last line (the end-of-line
    comment of that line stays where it is)."""
    tail = ""
    for container in reversed(list(_containers(node))):
        slot = 2 if isinstance(container, dict) else 0
        entry = container.ca.items.get(_last(container))
        token = entry[slot] if entry and len(entry) > slot else None
        if _filled(container[_last(container)]):  # that comment is written before the value, not after
            token = None
        if token is not None:
            head, newline, rest = token.value.partition("\n")
            token.value = head + newline
            tail += rest
        if container.ca.end:
            tail += "".join(t.value for t in container.ca.end)
            container.ca.end = []
    return tail


def _filled(value: Any) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0


def _attach(node: Any, key: Any, tail: str) -> None:
    """Put ``tail`` after the last line of ``node[key]``."""
    value = node[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value):
        node, key = value, _last(value)
        value = node[key]
    slot = 2 if isinstance(node, dict) else 0
    entry = node.ca.items.setdefault(key, [None, None, None, None])
    token = entry[slot]
    if token is None:
        entry[slot] = CommentToken("\n" + tail, CommentMark(0), None)
    else:
        token.value += tail
