"""Output. Rich for what people read; errors as one plain line on stderr, never wrapped."""

import sys

from rich.console import Console

# Rich turns colour off by itself for NO_COLOR, TERM=dumb and pipes.
console = Console(highlight=False)


def error(message: str) -> None:
    """One line, unwrapped, whatever the terminal width: scripts and CI grep it."""
    line = " ".join(message.split())
    print(f"new-project: error: {line}", file=sys.stderr)
