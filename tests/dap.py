"""A minimal Debug Adapter Protocol client: enough to attach to debugpy, set a breakpoint,
see it hit, and continue (the messages an editor sends when it attaches)."""

from __future__ import annotations

import json
import socket
import time
from typing import Any


class Client:
    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.buffer = b""
        self.seq = 0
        self.pending: list[dict[str, Any]] = []

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        body = json.dumps(
            {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _read(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        header, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        while len(rest) < length:
            self.buffer = header + b"\r\n\r\n" + rest
            self._fill()
            header, _, rest = self.buffer.partition(b"\r\n\r\n")
        self.buffer = rest[length:]
        return dict(json.loads(rest[:length]))

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the debug adapter closed the connection")
        self.buffer += chunk

    def wait(self, kind: str, name: str, request_seq: int | None = None) -> dict[str, Any]:
        """The next message of kind ("response" or "event") named name; others are kept."""
        for i, message in enumerate(self.pending):
            if self._matches(message, kind, name, request_seq):
                return self.pending.pop(i)
        while True:
            message = self._read()
            if self._matches(message, kind, name, request_seq):
                return message
            self.pending.append(message)

    @staticmethod
    def _matches(message: dict[str, Any], kind: str, name: str, seq: int | None) -> bool:
        key = "command" if kind == "response" else "event"
        if message.get("type") != kind or message.get(key) != name:
            return False
        return seq is None or message.get("request_seq") == seq

    def close(self) -> None:
        self.sock.close()
