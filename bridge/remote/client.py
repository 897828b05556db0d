"""The dashboard side of remote attach: a state source that reads a show over TCP.

`RemoteClient.connect()` says hello (with the token) and waits for the welcome, so a wrong
address or token is reported at once. A reader thread then keeps the latest snapshot and the
log; if the show goes away the client keeps retrying, and the dashboard shows "disconnected".
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections import deque
from typing import Any

from bridge.commands import CommandError, CommandSpec
from bridge.remote.protocol import (
    PROTOCOL_VERSION,
    LineReader,
    ProtocolError,
    decode,
    encode,
    specs_from_wire,
)

RETRY_INTERVAL = 1.0


class RemoteError(ConnectionError):
    """Cannot attach: nothing listening, refused, or the token was wrong."""


def parse_address(text: str, default_port: int) -> tuple[str, int]:
    """'HOST:PORT', 'HOST' or ':PORT' (IPv6 as '[::1]:PORT') → (host, port); ValueError names the problem."""
    text = text.strip()
    host, port = text, str(default_port)
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    host = host or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r}: port must be a number 1..65535")
    return host, int(port)


class RemoteClient:
    """A running show on another terminal or machine, seen through remote attach."""

    owns_show = False

    def __init__(self, host: str, port: int, token: str = "", log_size: int = 500,
                 connect_timeout: float = 3.0) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.description = f"{host}:{port}"
        self.connect_timeout = connect_timeout
        self.show_name = ""
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {}
        self._version = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._specs: list[CommandSpec] = []
        self._sock: socket.socket | None = None
        self._connected = False
        self._detail = "not connected"
        self._ids = itertools.count(1)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def connect(self) -> RemoteClient:
        """Attach now (raising RemoteError if that fails), then keep the state fresh on a thread."""
        sock, reader = self._open()
        self._thread = threading.Thread(target=self._run, args=(sock, reader), name="drumbridge-attach",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Say bye and stop; the show keeps running."""
        self._closed.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.sendall(encode({"type": "bye"}))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def _open(self) -> tuple[socket.socket, LineReader]:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as error:
            raise RemoteError(f"cannot reach a show at {self.description}: {error.strerror or error}") from None
        reader = LineReader(sock)
        try:
            sock.sendall(encode({"type": "hello", "protocol": PROTOCOL_VERSION, "token": self.token}))
            lines: list[bytes] = []
            while not lines:
                lines = reader.read()
            reply = decode(lines[0])
            reader.unread(lines[1:])
        except (OSError, EOFError, ProtocolError) as error:
            sock.close()
            raise RemoteError(f"{self.description} did not answer as a drumbridge show: {error}") from None
        if reply["type"] == "denied":
            sock.close()
            raise RemoteError(f"{self.description} refused the dashboard: {reply.get('reason', '')}")
        if reply["type"] != "welcome":
            sock.close()
            raise RemoteError(f"{self.description} sent {reply['type']!r} instead of welcome")
        sock.settimeout(None)
        with self._lock:
            self._sock = sock
            self._connected = True
            self._detail = f"attached to {self.description}"
            self._specs = specs_from_wire(reply.get("commands"))
            self.show_name = str(reply.get("show", ""))
            self._log.clear()  # the first snapshot brings the recent log again
        return sock, reader

    def _run(self, sock: socket.socket, reader: LineReader) -> None:
        """Read messages until closed; on a lost connection, retry every second."""
        while not self._closed.is_set():
            try:
                while True:
                    for line in reader.read():
                        self._on_message(decode(line))
            except (OSError, EOFError, ProtocolError) as error:
                sock.close()
                with self._lock:
                    self._sock = None
                    self._connected = False
                    self._detail = f"lost {self.description}: {error}; retrying"
            while not self._closed.wait(RETRY_INTERVAL):
                try:
                    sock, reader = self._open()
                    break
                except RemoteError as error:
                    with self._lock:
                        self._detail = f"{error}; retrying"

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        with self._lock:
            if kind == "snapshot":
                state = message.get("state")
                self._state = state if isinstance(state, dict) else {}
                self._version = int(message.get("version") or 0)
                events = message.get("log_new")
                self._log.extend(e for e in (events if isinstance(events, list) else []) if isinstance(e, dict))
            elif kind == "commands":
                self._specs = specs_from_wire(message.get("commands"))
            elif kind == "result" and not message.get("ok"):
                self._log.append({"time": time.time(), "level": "error", "source": "dashboard",
                                  "message": f"command refused: {message.get('error', '')}"})

    # -- the state source --------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"version": self._version, "state": self._state, "log": list(self._log),
                    "link": {"connected": self._connected, "detail": self._detail}}

    def specs(self) -> list[CommandSpec]:
        with self._lock:
            return list(self._specs)

    def submit(self, name: str, *args: Any) -> None:
        """Send a command; CommandError if the show has no such command or it takes other arguments."""
        with self._lock:
            spec = next((s for s in self._specs if s.name == name), None)
            sock = self._sock
        if spec is None:
            raise CommandError(f"the show has no command {name!r}")
        if len(args) > len(spec.params):
            raise CommandError(f"{name}({', '.join(spec.params)}) takes {len(spec.params)} arguments")
        if sock is None:
            raise CommandError(f"not connected to {self.description}")
        try:
            sock.sendall(encode({"type": "command", "id": next(self._ids), "name": name, "args": list(args)}))
        except OSError as error:
            raise CommandError(f"sending {name} to {self.description} failed: {error}") from None
