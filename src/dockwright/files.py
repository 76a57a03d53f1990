"""Reading the user's files, bounded: regular files only, up to a size, as UTF-8.

A FIFO with no writer, /dev/zero or a 10 GB log would otherwise block or exhaust a run; a
directory, a missing file or undecodable bytes would end in an "unexpected" error. Each
becomes a UsageError (exit 2) that names the file and what is wrong with it.
"""

from __future__ import annotations

import errno
import os
import select
import stat
import time
from pathlib import Path

from dockwright.errors import UsageError

# Far above any Dockerfile, compose file, manifest or lock a project keeps by hand.
LIMIT = 4 * 1024 * 1024
# How long a pipe may take to deliver its whole content.
STREAM_SECONDS = 10


def read_bytes(path: Path, *, what: str = "", limit: int = LIMIT, streams: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or a UsageError naming it.
    streams: a pipe or device is read too (`--answers-file <(...)`), for at most
    STREAM_SECONDS and `limit` bytes: /dev/zero is cut off, a pipe nobody writes is empty."""
    name = f"{what} {path}".strip()
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"{name} does not exist") from None
    except OSError as error:
        raise UsageError(f"{name} cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{name} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            if streams and (stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)):
                return _read(fd, name, limit, time.monotonic() + STREAM_SECONDS)
            raise UsageError(f"{name} is not a regular file (a pipe, socket or device)")
        if info.st_size > limit:
            raise UsageError(f"{name} is {info.st_size} bytes; more than {limit} is not read")
        return _read(fd, name, limit, None)  # it may still grow while it is read
    except OSError as error:
        raise UsageError(f"{name} cannot be read: {error.strerror or error}") from None
    finally:
        os.close(fd)


def _read(fd: int, name: str, limit: int, deadline: float | None) -> bytes:
    """Up to limit bytes from fd, to its end; a stream (with a deadline) waits for input
    only until then."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise UsageError(f"{name} gave no end of input within {STREAM_SECONDS} s")
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise UsageError(f"{name} goes on past {limit} bytes; it is not read")
        chunks.append(chunk)


def read_text(
    path: Path, *, what: str = "", limit: int = LIMIT, strict: bool = True, streams: bool = False
) -> str:
    """A bounded regular file as UTF-8 text. strict: undecodable bytes are a UsageError;
    otherwise they become U+FFFD (for files only searched, never rewritten)."""
    data = read_bytes(path, what=what, limit=limit, streams=streams)
    try:
        return data.decode("utf-8", errors="strict" if strict else "replace")
    except UnicodeDecodeError as error:
        name = f"{what} {path}".strip()
        raise UsageError(f"{name} cannot be read: not UTF-8 text (byte {error.start})") from None


def is_regular(path: Path) -> bool:
    """True for a regular file (after symlinks); never opens it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def kind(path: Path) -> str | None:
    """ "file" or "directory" (links followed), or None when nothing is there (a dangling
    link, a name no file can have). A pipe, socket or device, or a path that cannot be looked
    at (a directory without search permission, a loop of links), is a UsageError."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            return None
        raise UsageError(f"{path} cannot be read: {error.strerror or error}") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    raise UsageError(f"{path} is not a regular file (a pipe, socket or device)")
