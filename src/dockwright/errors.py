"""The one error tree: the CLI maps each class to an exit code and prints its message."""


class DockwrightError(Exception):
    """Something went wrong; exit 1."""

    exit_code = 1


class UsageError(DockwrightError):
    """The user's input is invalid (answers, arguments, destination); exit 2."""

    exit_code = 2


class AbortedError(DockwrightError):
    """The user pressed Ctrl-C; exit 130 like a shell."""

    exit_code = 130

    def __init__(self, message: str = "interrupted; nothing was written") -> None:
        super().__init__(message)
