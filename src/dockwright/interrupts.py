"""Ctrl-C leaves a run in one of two states: untouched (exit 130) or done (exit 0).

Work is prepared where the user cannot see it (a staging directory, a scratch clone), and
made visible in one short step, the commit. During the commit SIGINT is held, so a Ctrl-C
lands before it (nothing was written) or after it (everything was); `done` then says which.
Undoing work after an error runs with SIGINT ignored, so a second Ctrl-C cannot cut it short.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

# What the current run has committed ("created app"), or None: the CLI resets it per run.
done: str | None = None


def in_main_thread() -> bool:
    # Signal handlers can be set from the main thread only; elsewhere Ctrl-C never arrives.
    return threading.current_thread() is threading.main_thread()


@contextmanager
def committing(what: str) -> Iterator[None]:
    """Run the block with SIGINT held; when it succeeds, the run is done (`what`). A Ctrl-C
    during the block is dropped: the work it would have stopped is complete."""
    global done
    if not in_main_thread():
        yield
        done = what
        return
    previous = signal.signal(signal.SIGINT, _note)
    try:
        yield
        done = what
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def ignored() -> Iterator[None]:
    """Run the block (an undo, a cleanup) with SIGINT ignored."""
    if not in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_ignoring(action: Callable[[], object]) -> None:
    """Call action with SIGINT ignored, swallowing its errors (best-effort cleanup)."""
    # A cleanup that fails must not hide what went before.
    with ignored(), contextlib.suppress(Exception):
        action()


def _note(signum: int, frame: FrameType | None) -> None:
    """SIGINT during a commit: nothing to do, the commit finishes."""


def ignore_from_now() -> None:
    """The work has ended: a Ctrl-C now has nothing left to stop (the caller restores the
    handler it had, if the process goes on)."""
    if in_main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
