"""Reading a file with bounds: regular files only (a FIFO or a device could block or never
end), and at most ``MAX_BYTES`` (plus one, to tell an oversized file). Manifests,
configuration files, baselines and user rulesets are all read here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from functools import cache

MAX_BYTES = 5 * 1024 * 1024


class NotRegularFile(OSError):
    """A path that is not a regular file (a FIFO, a socket, a device, a folder)."""


class TooLarge(OSError):
    """A file larger than the size bound."""


def _open_nonblocking(path: str, flags: int) -> int:
    """Opening a FIFO for reading blocks until a writer comes; O_NONBLOCK returns at once."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of a regular file; ``NotRegularFile`` for anything else."""
    with open(path, "rb", opener=_open_nonblocking) as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(0, f"not a regular file ({kind_of(mode)})", os.fspath(path))
        return handle.read(limit + 1)


def read_text(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> str:
    """A regular UTF-8 file of at most ``limit`` bytes; ``TooLarge`` beyond, ``UnicodeDecodeError`` if not UTF-8."""
    data = read_bytes(path, limit)
    if len(data) > limit:
        raise TooLarge(0, f"file is larger than the {limit // 1048576} MiB limit", os.fspath(path))
    return data.decode("utf-8")


def describe(exc: BaseException) -> str:
    """Why a configuration, baseline or ruleset file could not be read, in a few words."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 (byte {exc.object[exc.start:exc.start + 1].hex()} at offset {exc.start})"
    return str(exc).split("; use sys.set_int_max_str_digits")[0]  # Python's advice is not the user's


@cache
def repo_root(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` (absolute) that holds ``.git``; None outside a repository."""
    if os.path.exists(os.path.join(folder, ".git")):
        return folder
    parent = os.path.dirname(folder)
    return None if parent == folder else repo_root(parent)


def replace(path: str, pieces: Iterable[bytes]) -> None:
    """Write ``path`` through a temporary file beside it, then rename: never half-written. An
    existing file keeps its permissions; a new one gets what ``open`` would give it (missing
    folders are made)."""
    import tempfile

    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = _mode_for(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    try:
        with open(fd, "wb") as handle:
            handle.writelines(pieces)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask  # as open() makes a file (mkstemp's own is 0600)
