"""dockwright: scaffold Dockerized Python projects that build, boot and pass their tests."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Looked up on first use, not at import: `new-project` starts with as little as it can,
    # so that a Ctrl-C at once still ends in one line, not a traceback.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("dockwright")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    raise AttributeError(f"module 'dockwright' has no attribute {name!r}")
