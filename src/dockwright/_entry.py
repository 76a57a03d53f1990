"""The console script's first code. From here on a Ctrl-C is noted, not raised, until
main() takes over and reports it in one line: importing the CLI cannot end in a traceback.
(Before this line runs, the interpreter is still starting, and a Ctrl-C is Python's own.)
"""

from __future__ import annotations

import signal
from types import FrameType

noted = False


def _note(signum: int, frame: FrameType | None) -> None:
    global noted
    noted = True


signal.signal(signal.SIGINT, _note)


def run() -> int:
    from dockwright import cli

    return cli.main(handover=True)
