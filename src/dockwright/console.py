"""Output. Rich for what people read; errors as one plain line on stderr, never wrapped.

Output is a report on the work, not the work: a closed pipe (`| head`), a full disk
(`> /dev/full`) or a locale that cannot encode a path never fails a run that did its job.
Piped output is not wrapped, so a script reads each line whole.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console

# Wide enough that no line a script reads is ever split; tables size to their content.
_UNWRAPPED = 100_000


class _Tolerant:
    """A text stream that writes what it can: unencodable characters become replacements,
    and after the first failed write (EPIPE, ENOSPC) everything is dropped quietly."""

    def __init__(self, current: Callable[[], IO[str] | None]) -> None:
        self._current = current  # sys.stdout as it is now (tests swap it)
        self._broken: IO[str] | None = None

    @property
    def stream(self) -> IO[str] | None:
        return self._current()

    @property
    def broken(self) -> bool:
        return self.stream is None or self.stream is self._broken

    def write(self, text: str) -> int:
        if self.broken or self.stream is None:
            return len(text)
        try:
            try:
                self.stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self.stream, "encoding", None) or "ascii"
                self.stream.write(text.encode(encoding, "replace").decode(encoding))
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe, a full disk, a closed file
            self._give_up()
        return len(text)

    def flush(self) -> None:
        if not self.broken and self.stream is not None:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._give_up()

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.stream is None:
            raise OSError("no stream")
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    def _give_up(self) -> None:
        self._broken = self.stream
        # Whatever is still buffered would fail again when Python flushes at exit.
        try:
            if self.stream is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
                os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


out = _Tolerant(lambda: sys.stdout)
err = _Tolerant(lambda: sys.stderr)


def _console() -> Console:
    terminal = out.isatty()
    # Rich turns colour off by itself for NO_COLOR, TERM=dumb and pipes.
    return Console(
        file=out,  # type: ignore[arg-type]
        highlight=False,
        # Paths, guesses and findings are printed as they are: "[project]" is text, not markup.
        markup=False,
        width=None if terminal else _UNWRAPPED,
        soft_wrap=not terminal,
    )


console = _console()


def say(*objects: Any) -> None:
    """Print for people (rich markup, tables, panels)."""
    console.print(*objects)


def text(line: str) -> None:
    """Print one line as it is, for scripts (JSON)."""
    out.write(line + "\n")


def error(message: str) -> None:
    """One line, unwrapped, whatever the terminal width: scripts and CI grep it."""
    line = " ".join(message.split())
    err.write(f"new-project: error: {line}\n")


def note(message: str) -> None:
    """One plain line on stderr that is not an error (what an interrupt left behind)."""
    err.write(f"new-project: {' '.join(message.split())}\n")
