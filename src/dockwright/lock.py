"""One dockwright run at a time changes a project: a second one refuses at once.

The lock is flock(2) on the project directory itself: nothing is written to take it, and
the kernel drops it when the process ends, however it ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dockwright.errors import UsageError

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are not guarded against each other there
    fcntl = None  # type: ignore[assignment]


@contextmanager
def held(directory: Path) -> Iterator[None]:
    """Hold directory's lock for the block, or refuse when another run holds it."""
    if fcntl is None:
        yield
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another dockwright run is changing {directory}; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(fd)  # closing drops the lock
