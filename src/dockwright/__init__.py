"""dockwright: scaffold Dockerized Python projects that build, boot and pass their tests."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dockwright")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
