"""What every control shares: the manifest context, the hit a control reports, small readers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, Protocol, cast

from ccaudit.loader import cut
from ccaudit.model import CATEGORIES, Fix, Path, Severity
from ccaudit.regions import RegionTable
from ccaudit.render import flow as render
from ccaudit.rulesets import ControlStandard

UNBOUNDED = frozenset({"indefinite", "forever"})
CHANNELS = ("voice", "chat", "email", "sms")


class Context(NamedTuple):
    """One manifest, as the controls see it (values already validated).

    A value that broke the schema is not in ``spec`` (it counts as missing: fail closed), but
    ``rejected`` keeps what was written there, so that a finding can say it (``absent``).
    """

    spec: Mapping[str, Any]
    pd: tuple[str, ...]
    regions: RegionTable
    rejected: Mapping[Path, str] = {}
    file: str = ""  # the manifest's file: the paths it names (tools' sources) are relative to it

    def absent(self, path: Path) -> str:
        """How a value missing from ``spec`` reads: "missing", "`yes`, not a boolean", or
        "missing (logging is `yes`, not a mapping)" when a section above it was dropped."""
        for end in range(len(path), 1, -1):
            story = self.rejected.get(path[:end])
            if story is not None:
                return story if end == len(path) else f"missing ({key_name(path[:end])} is {story})"
        return "missing"

    def describe(self, path: Path, value: Any) -> str:
        """``logging.toolCalls is missing``, ``logging.toolCalls is false`` or ``... is `yes`, not a boolean``."""
        return f"{key_name(path)} is {self.absent(path) if value is None else render(value)}"

    def section(self, key: str) -> Mapping[str, Any]:
        value = self.spec.get(key)
        return value if isinstance(value, dict) else {}

    def items(self, key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """(index, item) of a list of mappings; items that broke the schema are left out."""
        value = self.spec.get(key)
        for index, item in enumerate(value if isinstance(value, list) else ()):
            if isinstance(item, dict):
                yield index, item

    def tool_categories(self, tool: Mapping[str, Any]) -> tuple[str, ...]:
        """A tool without ``dataCategories`` touches every category of PD (fail closed)."""
        return _categories(tool.get("dataCategories"), self.pd)

    def vendor_receives(self, vendor: Mapping[str, Any]) -> tuple[str, ...]:
        """A vendor without ``receives`` receives all of PD (fail closed)."""
        return _categories(vendor.get("receives"), self.pd)

    def channels(self) -> tuple[str, ...]:
        value = self.spec.get("channels")
        return tuple(c for c in value if isinstance(c, str)) if isinstance(value, list) else CHANNELS


def _categories(value: Any, pd: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list):
        return pd
    return tuple(c for c in CATEGORIES if c in value)


class Hit(NamedTuple):
    """One wrong or missing value, as a control reports it.

    ``path`` is where it belongs (a missing key points at its parent when located);
    ``param`` and ``breaks`` say which rulesets' own requirement it breaks, so that the
    finding can name the binding ones; ``severity`` raises the finding to at least that;
    ``subject`` tells apart findings at one path (one per missing category).
    """

    path: Path
    message: str
    remediation: str = ""
    param: str | None = None
    breaks: Callable[[Any], bool] | None = None
    severity: Severity | None = None
    subject: str = ""  # what at ``path`` the finding is about (a category), for its fingerprint
    fix: Fix | None = None  # the only-tighter setting that makes it pass (the effective value)


class Check(Protocol):
    def __call__(self, ctx: Context, std: ControlStandard) -> Iterable[Hit]: ...


def contains(category: str) -> Callable[[Any], bool]:
    """For a category parameter: a ruleset's own list is broken when it holds ``category``."""
    return lambda own: category in own


def exceeds(actual: Any) -> Callable[[Any], bool]:
    """For a maximum: a ruleset's own limit is broken by a missing, unbounded or larger value."""
    return lambda own: days(actual) > own


def falls_short(actual: Any) -> Callable[[Any], bool]:
    """For a minimum: a ruleset's own minimum is broken by a missing or smaller value (unbounded passes)."""
    return lambda own: actual is None or days(actual) < own


def is_unbounded(value: Any) -> bool:
    return value is None or value == -1 or value in UNBOUNDED


def days(value: Any) -> float:
    """A duration as a number; unbounded or missing is infinite. An integer stays one: it compares
    exactly with any limit, however large (past 1.8e308 it has no float)."""
    return float("inf") if is_unbounded(value) or not isinstance(value, (int, float)) else value


def key_name(path: Path) -> str:
    """The key a finding asks to set: ``logging.toolCalls`` under spec; ``breachNoticeHours``
    in a list item (whose name the message gives)."""
    start = max((i for i, p in enumerate(path) if isinstance(p, int)), default=0) + 1
    return ".".join(str(p) for p in path[start:] if isinstance(p, str))


def snippet(spec: Mapping[str, Any], path: Path, value: Any) -> str:
    """A YAML fragment under ``spec`` that sets ``path`` to ``value`` (list items named by ``name``)."""
    lines: list[str] = []
    indent, node = "", cast(Any, spec)
    for part in path[1:-1]:
        if isinstance(part, int):
            item: Any = node[part] if isinstance(node, list) and part < len(node) else {}
            name = item.get("name", "...") if isinstance(item, dict) else "..."
            lines.append(f"{indent}- name: {name}")
            indent += "  "
            node = item
        else:
            lines.append(f"{indent}{part}:")
            indent += "  "
            node = node.get(part, {}) if isinstance(node, dict) else {}
    lines.append(f"{indent}{path[-1]}: {render(value)}")
    return "\n".join(lines)


def require_true(ctx: Context, section: str, key: str, why: str) -> Iterator[Hit]:
    """The common check: ``spec.<section>.<key>`` must be ``true``."""
    value = ctx.section(section).get(key)
    if value is not True:
        path = ("spec", section, key)
        yield Hit(path, f"{ctx.describe(path, value)}; {why}", snippet(ctx.spec, path, True), fix=Fix(path, True))


def at_most(ctx: Context, std: ControlStandard, path: Path, value: Any, param: str, unit: str,
            *, owner: str = "", bounded: bool = False) -> Iterator[Hit]:
    """A duration at most the effective ``param`` (missing or unbounded fails it).

    Without a ``param`` value nothing is imposed, unless ``bounded`` asks for any bound.
    """
    limit = std.value(param)
    if limit is None and not (bounded and is_unbounded(value)):
        return
    if limit is not None and days(value) <= limit:
        return
    if value is None:
        state = ctx.absent(path)
    else:
        state = "unbounded" if is_unbounded(value) else f"{cut(render(value))} {unit}"
    required = f"at most {limit} {unit} required" if limit is not None else "a bound is required"
    fix = snippet(ctx.spec, path, limit if limit is not None else 30)
    yield Hit(path, f"{owner}{key_name(path)} is {state}; {required}", fix, param, exceeds(value),
              fix=None if limit is None else Fix(path, limit, "at_most"))
