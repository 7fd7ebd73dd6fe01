"""A draft entry: each value with the JSON pointer of the source that says it."""

from __future__ import annotations

from typing import Any, NamedTuple, Union


class Said(NamedTuple):
    """One value of a draft and where the source says it (a JSON pointer, or a file path)."""

    value: Any
    where: str


Draft = dict[str, Union[Said, "Draft"]]


def pointer(*parts: Any) -> str:
    """A JSON pointer (RFC 6901) from raw keys: ``/paths/~1refunds/post``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def parts_of(text: str) -> list[str]:
    """The keys of a JSON pointer (``#/a/b`` or ``/a/b``; percent-escapes of a URI fragment decoded)."""
    from urllib.parse import unquote

    text = unquote(text.removeprefix("#"))
    return [p.replace("~1", "/").replace("~0", "~") for p in text.split("/")[1:]] if text else []
