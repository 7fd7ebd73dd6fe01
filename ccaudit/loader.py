"""Read a YAML file into documents whose values keep their positions.

One libyaml pass (PyYAML's C parser) composes the node tree; values are then built with
YAML 1.2 core-schema scalars, so ``NO`` stays a string and ``1:30`` stays text. Load
problems are values (``LoadProblem``), never exceptions: a broken file becomes a located
CCA001 finding and the run goes on. Nothing is constructed from a tag.
"""

from __future__ import annotations

import codecs
import math
import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.cyaml import CParser  # type: ignore[attr-defined]
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ccaudit.files import MAX_BYTES, read_bytes
from ccaudit.model import FILE_START, Path, Span

MAX_DEPTH = 100
MAX_ALIAS_NODES = 100_000
MAX_INT_DIGITS = 4300  # Python's own limit for converting between text and int
_MAX_INT_BITS = 14_000  # below 10**4300: every integer kept can be printed
# What marks a file as meant to hold a manifest (so that a broken one is reported, not skipped):
# the apiVersion key with a ccaudit/ value, plain or quoted, however it is spaced.
MARKER = re.compile(r"""apiVersion["']?\s*:\s*["']?ccaudit/""")
MANIFEST_KIND = "AgentDeployment"
# kinds of ccaudit's own data files: not manifests, skipped silently
OTHER_KINDS = frozenset({"Ruleset", "ControlCatalog", "RegionTable", "Config"})

_PLAIN = "tag:ccaudit,2026:plain"
_CORE = "tag:yaml.org,2002:"
_MERGE_KEY = "<<"
_MAP_TAG, _SEQ_TAG, _STR_TAG = _CORE + "map", _CORE + "seq", _CORE + "str"

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
AMBIGUOUS_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


class LoadProblem(NamedTuple):
    """A problem found while reading: which control, where, what."""

    control: str
    span: Span
    message: str
    path: Path = ()


@dataclass(slots=True)
class Document:
    """One YAML document: its plain value and its node tree (for positions)."""

    index: int
    node: Node
    value: Any = None
    problems: list[LoadProblem] = field(default_factory=list)
    rejected: dict[Path, str] = field(default_factory=dict)  # what stood where validation dropped a value


class LoadedFile(NamedTuple):
    """A file's lines and its documents, composed as ``composed`` is iterated (once: a file of
    many manifests holds one node tree at a time), ending with the problem that stopped reading."""

    composed: Iterator[Document | LoadProblem]
    lines: list[str]
    has_marker: bool


class LoadError(Exception):
    """A document that cannot be turned into values (tags, depth, aliases, keys)."""

    def __init__(self, span: Span, message: str) -> None:
        super().__init__(message)
        self.span = span

    def __reduce__(self) -> tuple[type, tuple[Span, str]]:  # picklable across worker processes
        return LoadError, (self.span, str(self))


def node_span(node: Node, end: Node | None = None) -> Span:
    """From ``node`` to the end of ``end`` (default: itself); ``node`` alone when ``end`` lies before it
    (an alias: its node is the anchored one, earlier in the file)."""
    start, stop = node.start_mark, (end or node).end_mark
    if (stop.line, stop.column) < (start.line, start.column):
        stop = node.end_mark
    return Span(start.line + 1, start.column + 1, stop.line + 1, stop.column + 1)


def resolve_plain(text: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.fullmatch(text):
        return _integer(text, 10)
    if text.startswith(("0o", "0x")):
        try:
            return _integer(text[2:], 8 if text[1] == "o" else 16)
        except TooLarge:
            raise
        except ValueError:
            return text
    if _FLOAT.fullmatch(text):
        return float(text)
    special = _SPECIAL_FLOATS.get(text.lower())
    return text if special is None else special


class TooLarge(ValueError):
    """An integer too long to be a number here (Python itself refuses more than 4300 digits)."""


def _integer(digits: str, base: int) -> int:
    """``int(digits, base)``, refusing what would be longer than MAX_INT_DIGITS in decimal."""
    too_large = TooLarge(f"an integer of {len(digits.lstrip('+-'))} digits is too large "
                         f"(at most {MAX_INT_DIGITS} decimal digits)")
    if len(digits.lstrip("+-")) > MAX_INT_DIGITS:
        raise too_large
    value = int(digits, base)
    if value.bit_length() > _MAX_INT_BITS:
        raise too_large
    return value


def shorten(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters."""
    try:
        text = repr(value)
    except ValueError:  # an integer past Python's text conversion limit
        text = f"<integer of {value.bit_length()} bits>"
    return cut(text, limit)


def cut(text: str, limit: int = 60) -> str:
    """``text`` for a message: a long one keeps its start and end, and says how long it was."""
    return text if len(text) <= limit else f"{text[:limit - 25]}...{text[-10:]} ({len(text)} characters)"


class _Loader(CParser, yaml.resolver.BaseResolver):
    """libyaml's composer with a resolver that marks plain scalars instead of typing them."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        yaml.resolver.BaseResolver.__init__(self)

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """Called for every node without an explicit tag: plain scalars are typed later."""
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path-based resolvers here (the composer asks for every node)."""

    def ascend_resolver(self) -> None:
        """No path-based resolvers here."""


_BOMS = ((codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF16_LE, "utf-16"))  # UTF-32 LE's BOM starts as UTF-16 LE's
# which of the first four bytes are null when the first character is ASCII
_NULL_PATTERNS = (((True, True, True, False), "utf-32-be"), ((False, True, True, True), "utf-32-le"),
                  ((True, False), "utf-16-be"), ((False, True), "utf-16-le"))


def codec_of(data: bytes) -> str:
    """The encoding, by the YAML 1.2 spec's detection (5.2): a byte order mark, else the pattern of
    null bytes an ASCII first character leaves in UTF-32 or UTF-16, else UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    nulls = tuple(byte == 0 for byte in data[:4])
    return next((codec for pattern, codec in _NULL_PATTERNS if nulls[:len(pattern)] == pattern), "utf-8")


LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # where libyaml's marks count a new line


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as the parser numbers them (CRLF, CR or LF; YAML 1.1's NEL, LS, PS)."""
    lines = _breaks(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _breaks(text: str) -> list[str]:
    """``text`` split at every line break; a plain ``\n`` split when it holds no other kind (most files)."""
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        return LINE_BREAK.split(text)
    return text.split("\n")


def _line_column(before: str) -> tuple[int, int]:
    """The 1-based line and column just after ``before``."""
    breaks = list(LINE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, len(before) - start + 1


def _decode_error_span(data: bytes, codec: str, exc: UnicodeDecodeError) -> Span:
    line, column = _line_column(data[: exc.start].decode(codec, "replace"))
    return Span(line, column, line, column + 1)


def _could_nest_deeply(text: str) -> bool:
    """Cheap bound: without many of these characters no document can nest past the limit."""
    return sum(text.count(c) for c in "[{-?") > MAX_DEPTH * 20


def _check_depth(text: str) -> None:
    """An event pass (libyaml's parser is iterative) before composing, which recurses in C."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line, column = event.start_mark.line + 1, event.start_mark.column + 1  # type: ignore[union-attr]
                raise LoadError(Span(line, column, line, column + 1), f"nesting deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_text(text: str) -> tuple[list[Document], LoadProblem | None]:
    """Every document of ``text``, and the problem that stopped reading, if any."""
    return split(compose(text))


def split(composed: Iterable[Document | LoadProblem]) -> tuple[list[Document], LoadProblem | None]:
    documents: list[Document] = []
    for item in composed:
        if isinstance(item, LoadProblem):
            return documents, item
        documents.append(item)
    return documents, None


def compose(text: str) -> Iterator[Document | LoadProblem]:
    """The documents of ``text`` one at a time, then the problem that stopped reading, if any."""
    index = 0
    try:
        if _could_nest_deeply(text):
            _check_depth(text)
        loader = _Loader(text)
        try:
            while loader.check_node():
                yield Document(index, loader.get_node())  # type: ignore[arg-type]
                index += 1
        finally:
            loader.dispose()
    except LoadError as exc:
        yield LoadProblem("CCA001", exc.span, str(exc))
    except yaml.MarkedYAMLError as exc:
        yield _fit(LoadProblem("CCA001", _mark_span(exc), _yaml_message(exc)), text)
    except yaml.reader.ReaderError as exc:
        yield _fit(LoadProblem("CCA001", _offset_span(text, exc.position), f"cannot read YAML: "
                               f"{exc.reason} (character U+{exc.character:04X})"
                               if isinstance(exc.character, int) else f"cannot read YAML: {exc.reason}"), text)
    except yaml.YAMLError as exc:
        yield LoadProblem("CCA001", FILE_START, f"cannot parse YAML: {exc}")


def _fit(problem: LoadProblem, text: str) -> LoadProblem:
    """A problem's point kept inside the text: at most at the end of the last line, and one
    character wide at most where a character is (zero wide at the end of a line)."""
    lines = _breaks(text)  # as libyaml counts lines: after a final break, an empty last line
    line = min(problem.span.line, len(lines))
    length = len(lines[line - 1])
    column = min(problem.span.column, length + 1) if line == problem.span.line else length + 1
    return problem._replace(span=Span(line, column, line, min(column + 1, length + 1)))


def _offset_span(text: str, position: int) -> Span:
    """libyaml reports reader errors as an offset into the UTF-8 text."""
    line, column = _line_column(text.encode("utf-8")[:position].decode("utf-8", "replace"))
    return Span(line, column, line, column + 1)


def _mark_span(exc: yaml.MarkedYAMLError) -> Span:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return FILE_START
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "YAML syntax error: " + ", ".join(parts)


def read_file(path: str, max_bytes: int = MAX_BYTES) -> LoadedFile:
    """Read, decode and compose one file. OSErrors are the caller's (reported at 1:1)."""
    return load_bytes(read_bytes(path, max_bytes), max_bytes)


def load_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> LoadedFile:
    """Decode and compose a file's bytes (at most ``max_bytes + 1`` of them: more is too large)."""
    codec = codec_of(data)
    if len(data) > max_bytes:
        problem = LoadProblem("CCA001", FILE_START, f"file is larger than the {max_bytes // 1048576} MiB limit")
        return LoadedFile(iter([problem]), [], MARKER.search(data.decode(codec, "replace")) is not None)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        problem = _fit(LoadProblem("CCA001", _decode_error_span(data, codec, exc),
                                   f"invalid {codec.upper().removesuffix('-SIG')} (bytes "
                                   f"{data[exc.start:exc.end].hex()} at offset {exc.start})"),
                       data.decode(codec, "replace"))
        return LoadedFile(iter([problem]), [], MARKER.search(data.decode(codec, "replace")) is not None)
    return LoadedFile(compose(text), split_lines(text), MARKER.search(text) is not None)


# ---- building values ---------------------------------------------------------------


def _as_float(value: Any) -> Any:
    if type(value) not in (int, float):
        return _NOT_A
    try:
        return float(value)
    except OverflowError:  # an integer past 1.8e308 is infinite as a float, as "1e400" is
        return math.inf if value > 0 else -math.inf


_NOT_A = object()  # a tagged scalar whose text cannot be its tag's type
_TAGGED: dict[str, tuple[str, Any]] = {  # core tag -> (what it needs, its value from the resolved text)
    _CORE + "null": ("null", lambda v: v if v is None else _NOT_A),
    _CORE + "bool": ("boolean", lambda v: v if type(v) is bool else _NOT_A),
    _CORE + "int": ("integer", lambda v: v if type(v) is int else _NOT_A),
    _CORE + "float": ("number", _as_float),
}


def scalar_value(node: ScalarNode) -> Any:
    """A scalar under its tag: plain ones resolved, ``!!str`` as written, other core tags by their
    type whatever the style (``!!int "2192"`` is 2192); any other tag is not allowed."""
    if node.tag == _PLAIN:
        return resolve_plain(node.value)
    if node.tag == _STR_TAG:
        return node.value
    if node.tag not in _TAGGED:
        raise LoadError(node_span(node), f"tag {node.tag!r} is not allowed (only YAML 1.2 core tags)")
    needs, convert = _TAGGED[node.tag]
    value = convert(resolve_plain(node.value))
    if value is _NOT_A:
        raise LoadError(node_span(node), f"!!{node.tag.removeprefix(_CORE)} {shorten(node.value)}: "
                                         f"the text is not a YAML 1.2 {needs}")
    return value


def _is_merge(key: Node) -> bool:
    return isinstance(key, ScalarNode) and key.value == _MERGE_KEY and key.tag == _PLAIN


class Budget:
    """How many nodes aliases and merge keys may still bring in (a "billion laughs" stops here)."""

    def __init__(self, limit: int = MAX_ALIAS_NODES) -> None:
        self.left = limit

    def spend(self, node: Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise LoadError(node_span(node), f"aliases expand to more than {MAX_ALIAS_NODES} nodes")


def merged_pairs(node: MappingNode, budget: Budget, active: frozenset[int] = frozenset()
                 ) -> Iterator[tuple[Node, Node]]:
    """The pairs that merge keys (``<<``) bring into ``node``, in order."""
    active = active | {id(node)}
    for key, value in node.value:
        if not _is_merge(key):
            continue
        for source in value.value if isinstance(value, SequenceNode) else [value]:
            if not isinstance(source, MappingNode):
                raise LoadError(node_span(source), "a merge key (<<) must name a mapping")
            if id(source) in active:
                raise LoadError(node_span(key), "a merge key (<<) refers to a mapping that contains it")
            budget.spend(key)  # an empty mapping merged 300,000 times costs as much as its keys would
            for pair in mapping_pairs(source, budget, active):
                budget.spend(pair[1])
                yield pair


def own_pairs(node: MappingNode) -> Iterator[tuple[Node, Node]]:
    return ((key, value) for key, value in node.value if not _is_merge(key))


def mapping_pairs(node: MappingNode, budget: Budget | None = None, active: frozenset[int] = frozenset()
                  ) -> Iterator[tuple[Node, Node]]:
    """Key/value node pairs, merged ones first so that explicit keys win."""
    yield from merged_pairs(node, budget or Budget(), active)
    yield from own_pairs(node)


_PLAIN_VALUES: dict[str, Any] = {}  # plain scalars repeat across manifests (true, read, 30, ...)


def _plain(text: str) -> Any:
    value = _PLAIN_VALUES.get(text, _PLAIN_VALUES)
    if value is _PLAIN_VALUES:
        value = resolve_plain(text)
        if len(_PLAIN_VALUES) < 4096 and len(text) < 64:
            _PLAIN_VALUES[text] = value
    return value


class _Builder:
    """Node tree to plain values, bounding depth and alias expansion, noting duplicates.

    The hot path of loading: type checks by class, and paths kept as (parent, key) links
    that are only flattened for a duplicate-key problem.
    """

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.budget = Budget()
        self.duplicates: list[LoadProblem] = []

    def build(self, node: Node, link: Any, depth: int = 0) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            try:
                return _plain(node.value) if node.tag == _PLAIN else scalar_value(node)  # type: ignore[arg-type]
            except TooLarge as exc:
                raise LoadError(node_span(node), str(exc)) from None
        if depth > MAX_DEPTH:
            raise LoadError(node_span(node), f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self.seen:
            self.budget.spend(node)
        else:
            self.seen.add(id(node))
        if cls is SequenceNode and node.tag == _SEQ_TAG:
            return [self.build(item, (link, i), depth + 1) for i, item in enumerate(node.value)]
        if cls is MappingNode and node.tag == _MAP_TAG:
            return self._build_mapping(node, link, depth)  # type: ignore[arg-type]
        raise LoadError(node_span(node), f"tag {node.tag!r} is not allowed (only YAML 1.2 core tags)")

    def _build_mapping(self, node: MappingNode, link: Any, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges = False
        for key, value in node.value:
            name = key.value if key.__class__ is ScalarNode else self._key(key)
            if name == _MERGE_KEY and key.tag == _PLAIN:
                merges = True
                continue
            if name in result:
                self.duplicates.append(LoadProblem("CCA003", node_span(key),
                                                   f"duplicate key {name!r}: the last value is used",
                                                   (*_flatten(link), name)))
            result[name] = self.build(value, (link, name), depth + 1)
        if merges:
            for key, value in merged_pairs(node, self.budget):  # explicit keys and earlier sources win
                name = self._key(key)
                if name not in result:
                    result[name] = self.build(value, (link, name), depth + 1)
        return result

    @staticmethod
    def _key(key: Node) -> str:
        if not isinstance(key, ScalarNode):
            raise LoadError(node_span(key), "a mapping key must be a scalar")
        return str(key.value)


def _flatten(link: Any) -> Path:
    parts: list[Any] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))


def build_value(document: Document) -> LoadProblem | None:
    """Fill ``document.value`` (and its duplicate-key problems); a problem stops the document."""
    builder = _Builder()
    try:
        document.value = builder.build(document.node, None)
    except LoadError as exc:
        return LoadProblem("CCA001", exc.span, str(exc))
    document.problems.extend(builder.duplicates)
    return None


# ---- positions ---------------------------------------------------------------------


def child(node: Node, part: Any) -> tuple[Node | None, Node | None]:
    """(key node, value node) one step down, as the value was built; (None, None) if absent.

    The last of repeated explicit keys wins; else the first merged one. A mapping is scanned
    once, into an index, when it is large or merges: locating many keys stays linear.
    """
    if isinstance(node, MappingNode) and isinstance(part, str):
        if len(node.value) <= _SCAN_UP_TO:
            found = next((pair for pair in reversed(node.value) if pair[0].value == part), None)
            if found is not None or all(k.value != _MERGE_KEY for k, _ in node.value):
                return found or (None, None)
        return _index(node).get(part, (None, None))
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None, None


_SCAN_UP_TO = 16  # smaller mappings (nearly all) are scanned: cheaper than an index
_INDEXES: weakref.WeakKeyDictionary[Node, dict[str, tuple[Node, Node]]] = weakref.WeakKeyDictionary()


def _index(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """Key text -> (key, value) of a mapping: merged keys first (the first wins), explicit ones over them."""
    index = _INDEXES.get(node)
    if index is None:
        index = {}
        for key, value in merged_pairs(node, Budget()):
            if isinstance(key, ScalarNode):
                index.setdefault(key.value, (key, value))
        index.update((key.value, (key, value)) for key, value in node.value
                     if isinstance(key, ScalarNode) and not _is_merge(key))
        _INDEXES[node] = index
    return index


def locate(root: Node, path: Path, *, whole: bool = True) -> Span:
    """Span of the value at ``path``: its key to the end of the value (``whole``), or the key alone.

    A path that does not exist points at its deepest existing ancestor's key; inside a list
    of mappings, at the item's first key.
    """
    node, key = root, None
    for depth, part in enumerate(path):
        next_key, next_node = child(node, part)
        if next_node is None:
            return _missing_span(node, key, path[:depth])
        node, key = next_node, next_key
    if key is None:
        return node_span(node) if not isinstance(node, MappingNode) else _first_key_span(node)
    return node_span(key, node if whole else None)


def _missing_span(node: Node, key: Node | None, path: Path) -> Span:
    if key is not None:
        return node_span(key)
    if isinstance(node, MappingNode) and path and isinstance(path[-1], int):
        return _first_key_span(node)
    return node_span(node) if path else FILE_START


def _first_key_span(node: MappingNode) -> Span:
    return node_span(node.value[0][0]) if node.value else node_span(node)


def is_plain_scalar(root: Node, path: Path) -> bool:
    node: Node | None = root
    for part in path:
        node = child(node, part)[1] if node is not None else None
    return isinstance(node, ScalarNode) and node.tag == _PLAIN
