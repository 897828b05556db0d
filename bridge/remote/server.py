"""The engine side of remote attach: serves telemetry snapshots and takes commands from remote dashboards.

Runs on its own threads (one listener, one per dashboard) and touches the show only through
`Telemetry.snapshot()` / `subscribe()` and `Commands.submit()`, the same thread-safe doors the local
dashboard uses, so a slow or vanished dashboard never stalls the engine. Listens on localhost
unless configured otherwise; a peer that is not on this machine must present the token.

Hostile peers are bounded: a hello must arrive whole within HELLO_TIMEOUT (however slowly the bytes
trickle in) and fit in MAX_HELLO_LINE bytes; at most MAX_CLIENTS connections are served at once; a
host that gave a wrong token waits longer before each next try (`FailedAttempts`); errors on accept
(out of file descriptors) pause the listener instead of ending it; all of it logged rate-limited.
"""

from __future__ import annotations

import hmac
import queue
import select
import socket
import threading
import time
from typing import Any

from bridge.commands import CommandError, Commands
from bridge.osc.budget import ControlBudget
from bridge.remote.attempts import FailedAttempts
from bridge.remote.config import is_loopback
from bridge.remote.protocol import (
    MAX_HELLO_LINE,
    MAX_LINE,
    PROTOCOL_VERSION,
    LineReader,
    ProtocolError,
    decode,
    encode,
    specs_to_wire,
)
from bridge.telemetry import LogEvent, Telemetry

HELLO_TIMEOUT = 5.0  # seconds a new connection has, in all, to say hello
MAX_CLIENTS = 16  # connections served at once (dashboards and peers still saying hello)
ACCEPT_PAUSE = 0.1  # seconds the listener waits after an accept error (e.g. EMFILE) before trying again
SEND_TIMEOUT = 2.0  # a dashboard that cannot take a snapshot this long is dropped
KEEPALIVE = 1.0  # seconds between snapshots when nothing changed
WRONG_TOKEN = "wrong or missing token"


class RemoteServer:
    """Accepts dashboards on host:port and serves each on its own thread."""

    def __init__(self, telemetry: Telemetry, commands: Commands, host: str = "127.0.0.1", port: int = 0,
                 token: str = "", push_hz: float = 15.0, show_name: str = "") -> None:
        if not is_loopback(host) and not token:
            raise ValueError(f"remote attach on {host!r} reaches beyond this machine and needs a token")
        self.telemetry = telemetry
        self.commands = commands
        self.host = host
        self.port = port
        self.token = token
        self.push_interval = 1.0 / push_hz
        self.show_name = show_name
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.failures = FailedAttempts()
        self.rejected = 0  # connections closed unread: over MAX_CLIENTS, or a host still backing off
        self.accept_errors = 0

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) actually bound (port 0 in the config picks a free one)."""
        assert self._listener is not None, "server not started"
        host, port = self._listener.getsockname()[:2]
        return host, port

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._clients)

    def start(self) -> RemoteServer:
        """Bind and listen; raises OSError (e.g. port in use) so the caller can report it."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
            listener.listen(8)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        thread = threading.Thread(target=self._accept_loop, name="drumbridge-remote", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Close the listener and every dashboard connection (the show is not affected)."""
        self._stop.set()
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=2)

    # -- threads ---------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select([self._listener], [], [], 0.2)
                if not readable:
                    continue
                sock, peer = self._listener.accept()
            except (OSError, ValueError) as error:
                if self._stop.is_set() or self._listener.fileno() < 0:
                    return  # listener closed
                self.accept_errors += 1  # out of file descriptors, a reset before accept, ...: keep listening
                self.telemetry.event_limited("remote accept", "warning", "remote",
                                             f"cannot accept a dashboard: {error}; trying again")
                self._stop.wait(ACCEPT_PAUSE)
                continue
            if not self._admit(sock, peer):
                continue
            thread = threading.Thread(target=self._serve, args=(sock, peer), name="drumbridge-remote-client",
                                      daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _admit(self, sock: socket.socket, peer: tuple[Any, ...]) -> bool:
        """Take a new connection on, or close it unread (too many connections, or its host backing off)."""
        with self._lock:
            full = len(self._clients) >= MAX_CLIENTS
            if not full and not self.failures.waiting(peer[0], time.monotonic()):
                self._clients.add(sock)
                return True
        self.rejected += 1
        reason = f"{MAX_CLIENTS} connections already" if full else "too many wrong tokens, backing off"
        self.telemetry.event_limited("remote rejected", "warning", "remote",
                                     f"closed a connection from {peer[0]} unread: {reason}")
        sock.close()
        return False

    def _serve(self, sock: socket.socket, peer: tuple[Any, ...]) -> None:
        who = f"{peer[0]}:{peer[1]}"
        events = None
        try:
            reader = LineReader(sock, MAX_HELLO_LINE)
            refusal = self._check_hello(reader, peer[0], time.monotonic() + HELLO_TIMEOUT)
            if refusal:
                if refusal == WRONG_TOKEN:
                    self.failures.failed(peer[0], time.monotonic())
                self._send(sock, {"type": "denied", "reason": refusal})
                self.telemetry.event_limited("remote refused", "warning", "remote",
                                             f"refused dashboard from {who}: {refusal}")
                return
            self.failures.succeeded(peer[0])
            reader.max_line = MAX_LINE
            events = self.telemetry.subscribe()
            self._send(sock, {"type": "welcome", "protocol": PROTOCOL_VERSION, "show": self.show_name,
                              "commands": specs_to_wire(self.commands.specs())})
            self.telemetry.event("info", "remote", f"dashboard attached from {who}")
            self._session(sock, reader, events)
            self.telemetry.event("info", "remote", f"dashboard from {who} detached")
        except (OSError, EOFError, ProtocolError) as error:
            if not self._stop.is_set():
                self.telemetry.event_limited("remote gone", "info", "remote", f"dashboard from {who} gone: {error}",
                                             bad_input=False)
        finally:
            if events is not None:
                self.telemetry.unsubscribe(events)
            with self._lock:
                self._clients.discard(sock)
            sock.close()

    def _check_hello(self, reader: LineReader, peer_host: str, deadline: float) -> str:
        """'' when the peer may attach, else the reason it may not; the whole hello must come by `deadline`."""
        lines: list[bytes] = []
        while not lines:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no hello within {HELLO_TIMEOUT:g} s")
            reader.sock.settimeout(left)  # per receive, but never past the deadline: trickling bytes don't help
            lines = reader.read()
        hello = decode(lines[0])
        reader.unread(lines[1:])
        if hello.get("type") != "hello":
            return "expected hello first"
        if hello.get("protocol") != PROTOCOL_VERSION:
            return f"protocol {hello.get('protocol')!r} not supported (server speaks {PROTOCOL_VERSION})"
        token = hello.get("token") or ""
        if not isinstance(token, str):
            return "token must be a string"
        if token or not is_loopback(peer_host):
            if not self.token:
                return "" if is_loopback(peer_host) else "this show takes no remote dashboards"
            if not hmac.compare_digest(token.encode(), self.token.encode()):
                return WRONG_TOKEN
        return ""

    def _session(self, sock: socket.socket, reader: LineReader, events: queue.Queue[LogEvent]) -> None:
        """Push snapshots on a fixed cadence and answer commands until the dashboard leaves."""
        sock.settimeout(SEND_TIMEOUT)
        last_version = -1
        last_push = 0.0
        specs = self.commands.specs()
        budget = ControlBudget()  # per dashboard: a flood of commands is refused, never queued
        first = True
        next_push = time.monotonic()
        while not self._stop.is_set():
            wait = max(0.0, next_push - time.monotonic())
            readable = bool(reader.pending) or bool(select.select([sock], [], [], wait)[0])
            if readable:
                for line in reader.read():
                    if not self._handle(sock, decode(line), budget):
                        return
            now = time.monotonic()
            if now < next_push:
                continue
            next_push = now + self.push_interval
            snap = self.telemetry.snapshot()
            new_events = snap["log"] if first else _drain(events)
            if first:
                _drain(events)
            if snap["version"] == last_version and not new_events and now - last_push < KEEPALIVE:
                continue
            current = self.commands.specs()
            if current != specs:
                specs = current
                self._send(sock, {"type": "commands", "commands": specs_to_wire(specs)})
            self._send(sock, {"type": "snapshot", "version": snap["version"], "state": snap["state"],
                              "log_new": new_events})
            last_version, last_push, first = snap["version"], now, False

    def _handle(self, sock: socket.socket, message: dict[str, Any], budget: ControlBudget) -> bool:
        """Act on one client message; False when the client said bye."""
        kind = message["type"]
        if kind == "bye":
            return False
        if kind != "command":
            self._send(sock, {"type": "result", "id": message.get("id"), "ok": False,
                              "error": f"unknown message type {kind!r}"})
            return True
        name, args = message.get("name"), message.get("args", [])
        try:
            if not isinstance(name, str) or not isinstance(args, list):
                raise CommandError("a command needs a string 'name' and a list 'args'")
            now = time.monotonic()
            if not (budget.message(now) and budget.command(name, now)):
                self.telemetry.event_limited("remote over budget", "warning", "remote",
                                             f"dashboard over its command budget: {name[:60]} refused")
                raise CommandError(f"{name[:60]}: too many commands a second; refused")
            self.commands.submit(name, *args)
            reply: dict[str, Any] = {"type": "result", "id": message.get("id"), "ok": True}
        except CommandError as error:
            reply = {"type": "result", "id": message.get("id"), "ok": False, "error": str(error)}
        self._send(sock, reply)
        return True

    def _send(self, sock: socket.socket, message: dict[str, Any]) -> None:
        sock.sendall(encode(message))


def _drain(events: queue.Queue[LogEvent]) -> list[dict[str, Any]]:
    """Every log event queued for one dashboard since the last push."""
    out: list[dict[str, Any]] = []
    while True:
        try:
            item: LogEvent = events.get_nowait()
        except queue.Empty:
            return out
        out.append(item.to_dict())
