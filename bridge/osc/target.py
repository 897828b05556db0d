"""One OSC destination (a VDMX instance, a second video machine): non-blocking UDP, errors counted, never raised.

Host names are looked up on a background thread (DNS can block for seconds); until the name
resolves, messages to that target are dropped and counted, so a missing machine never delays the
show. A failed lookup is retried every `retry_interval` seconds while the show runs.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bridge.osc.config import DEFAULT_SEND
from bridge.osc.wire import OscEncodeError, build_message, encode_bundle

Resolver = Callable[..., list[Any]]
ErrorHook = Callable[["OscTarget", str], None]


@dataclass
class TargetStats:
    """Counters for one target, for telemetry."""

    sent: int = 0
    errors: int = 0  # send failures: refused, unreachable, buffer full, unencodable argument
    dropped_unresolved: int = 0  # messages dropped while the host name was not (yet) resolved
    last_error: str = ""


class OscTarget:
    """Sends OSC datagrams to host:port; a target that is down or unreachable never slows the show."""

    def __init__(self, name: str, host: str, port: int, prefix: str = "/drumbridge", *, latency: float = 0.0,
                 send: Iterable[str] = DEFAULT_SEND, bundles: bool = False,
                 to_unix: Callable[[float], float] | None = None, resolver: Resolver = socket.getaddrinfo,
                 retry_interval: float = 5.0, on_error: ErrorHook | None = None) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.prefix = prefix.rstrip("/")
        self.latency = latency
        self.kinds = frozenset(send)
        self.bundles = bundles
        self.to_unix = to_unix or (lambda t: t)
        self.stats = TargetStats()
        self.state = "resolving"  # resolving | ok | unresolved | closed
        self._resolver = resolver
        self._retry_interval = retry_interval
        self._on_error = on_error
        self._address: tuple[Any, ...] | None = None
        self._socket: socket.socket | None = None
        self._connected = False
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def wants(self, kind: str) -> bool:
        """Whether this target asked for a message family (clock, drum, responder, notes, cue)."""
        return kind in self.kinds

    # -- resolving ---------------------------------------------------------------------------
    def start_resolving(self) -> None:
        """Resolve now for an IP literal; otherwise on a daemon thread (retrying), never blocking the caller."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            self._thread = threading.Thread(target=self._resolve_loop, name=f"osc-resolve-{self.name}", daemon=True)
            self._thread.start()
            return
        self.resolve()

    def resolve(self) -> bool:
        """Look the host up once (may block on DNS); False if it fails."""
        try:
            infos = self._resolver(self.host, self.port, 0, socket.SOCK_DGRAM)
        except (OSError, UnicodeError) as error:
            self.state = "unresolved"
            self._error(f"cannot resolve {self.host!r}: {error}")
            return False
        if not infos:
            self.state = "unresolved"
            self._error(f"cannot resolve {self.host!r}: no addresses")
            return False
        infos = sorted(infos, key=lambda info: info[0] != socket.AF_INET)  # prefer IPv4, like most OSC apps
        family, _type, _proto, _name, address = infos[0][:5]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            # A connected UDP socket reports "connection refused" (nothing listening) on later sends.
            sock.connect(address)
            self._connected = True
        except OSError as error:
            self._connected = False
            self._error(f"cannot reach {self.host}:{self.port}: {error}")
        if self._closed.is_set():
            sock.close()
            return False
        self._socket = sock
        self._address = tuple(address)
        self.state = "ok"
        return True

    def _resolve_loop(self) -> None:
        while not self._closed.is_set():
            if self.resolve():
                return
            self._closed.wait(self._retry_interval)

    @property
    def resolved(self) -> bool:
        """Whether the host has an address yet."""
        return self._address is not None

    # -- sending -----------------------------------------------------------------------------
    def send(self, address: str, *args: Any, at: float | None = None) -> bool:
        """Send `prefix + address` with `args`; with bundles on, time-tag it for engine time `at`."""
        if self._address is None:
            self.stats.dropped_unresolved += 1
            return False
        try:
            message = build_message(self.prefix + address, args)
        except OscEncodeError as error:
            self._error(f"{self.prefix + address}: {error}")
            return False
        if self.bundles:
            return self.send_datagram(encode_bundle(None if at is None else self.to_unix(at), [message]))
        return self.send_datagram(message.dgram)

    def send_datagram(self, datagram: bytes) -> bool:
        """Send ready-made bytes; count and remember any error instead of raising."""
        sock, address = self._socket, self._address
        if sock is None or address is None:
            self.stats.dropped_unresolved += 1
            return False
        try:
            if self._connected:
                sock.send(datagram)
            else:
                sock.sendto(datagram, address)  # connect() had failed: address each datagram
        except OSError as error:  # ECONNREFUSED from an earlier datagram, ENETUNREACH, buffer full...
            self._error(f"send to {self.host}:{self.port} failed: {error.strerror or error}")
            return False
        self.stats.sent += 1
        return True

    def _error(self, message: str) -> None:
        self.stats.errors += 1
        changed = message != self.stats.last_error
        self.stats.last_error = message
        if changed and self._on_error is not None:
            self._on_error(self, message)

    def close(self) -> None:
        """Stop resolving and close the socket."""
        self._closed.set()
        self.state = "closed"
        if self._socket is not None:
            self._socket.close()
