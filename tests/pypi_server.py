"""A private package index for the tests: pypiserver with basic auth, on the address the
Docker engine's builds and containers reach this machine by, serving one package PyPI does
not have (PROBE)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import free_port, tool

PROBE = "dockwright-private-probe"
PROBE_MODULE = "dockwright_private_probe"
PROBE_GREETING = "served by the private index"


def probe_wheel(where: Path, version: str) -> Path:
    """A wheel of PROBE: one module, its metadata, and a RECORD with every file's hash."""
    files = {
        f"{PROBE_MODULE}/__init__.py": f"GREETING = {PROBE_GREETING!r}\n",
        f"{PROBE_MODULE}-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {PROBE}\nVersion: {version}\nRequires-Python: >=3.11\n"
        ),
        f"{PROBE_MODULE}-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: dockwright-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = f"{PROBE_MODULE}-{version}.dist-info/RECORD"
    lines = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        lines.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[record] = "\n".join([*lines, f"{record},,"]) + "\n"
    wheel = where / f"{PROBE_MODULE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def bridge_gateway() -> str:
    """The engine's address on its default bridge, which builds and containers reach."""
    out = subprocess.run(
        [
            "docker",
            "network",
            "inspect",
            "bridge",
            "--format",
            "{{(index .IPAM.Config 0).Gateway}}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert re.fullmatch(r"[0-9.]+", out), out
    return out


class Index:
    def __init__(self, url: str, username: str, password: str, version: str, log: Path) -> None:
        self.url, self.username, self.password, self.version, self.log = (
            url,
            username,
            password,
            version,
            log,
        )

    def downloads(self) -> int:
        """How many times the probe's wheel was served (pypiserver's access log)."""
        return self.log.read_text().count(f"/packages/{PROBE_MODULE}-{self.version}-")


@contextlib.contextmanager
def serve(root: Path) -> Iterator[Index]:
    """pypiserver with basic auth on the engine's bridge address, serving one wheel of PROBE
    in a version new to this run: no download cache can hold it, so every build that
    installs it asks the index. Files under root."""
    server = tool("pypi-server")
    assert server, "pypiserver is a test dependency (pip install -e '.[test]')"
    packages = root / "packages"
    packages.mkdir(parents=True)
    version = f"1.0.{int(time.time())}"
    probe_wheel(packages, version)
    username, password = f"reader-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    # Apache's {SHA} form, which pypiserver reads (through passlib) like any htpasswd file.
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
    (root / "htpasswd").write_text(f"{username}:{{SHA}}{digest}\n")
    host, port = bridge_gateway(), free_port()
    log = root / "access.log"
    process = subprocess.Popen(
        [
            server,
            "run",
            "-v",
            "--log-file",
            str(log),
            "-i",
            host,
            "-p",
            str(port),
            "-P",
            str(root / "htpasswd"),
            "-a",
            "update,download,list",
            str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "pypiserver exited"
                assert time.monotonic() < deadline, "pypiserver did not start in 30 s"
                time.sleep(0.2)
        url = f"http://{host}:{port}/simple/"
        with pytest.raises(urllib.error.HTTPError, match="401"):
            urllib.request.urlopen(url + PROBE + "/", timeout=5)
        yield Index(url, username, password, version, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
