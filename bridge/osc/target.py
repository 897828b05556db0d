"""One OSC destination (a VDMX instance, a second video machine): non-blocking UDP, errors counted, never raised."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder


def build_message(address: str, args: list[Any] | tuple[Any, ...] = ()) -> bytes:
    """The OSC datagram for `address` with `args` (int → i, float → f, str → s, bool → T/F)."""
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


@dataclass
class TargetStats:
    """Counters for one target, for telemetry."""

    sent: int = 0
    errors: int = 0
    last_error: str = ""


class OscTarget:
    """Sends OSC datagrams to host:port; a target that is down or unreachable never slows the show."""

    def __init__(self, name: str, host: str, port: int, prefix: str = "/drumbridge") -> None:
        self.name = name
        self.host = host
        self.port = port
        self.prefix = prefix.rstrip("/")
        self.stats = TargetStats()
        self._address: tuple[str, int] | None = None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def resolve(self) -> bool:
        """Look the host up once (may block on DNS: call before the show starts); False if it fails."""
        try:
            info = socket.getaddrinfo(self.host, self.port, socket.AF_INET, socket.SOCK_DGRAM)
        except OSError as error:
            self.stats.last_error = f"cannot resolve {self.host!r}: {error}"
            self.stats.errors += 1
            return False
        self._address = info[0][4][:2]
        return True

    def send(self, address: str, *args: Any) -> bool:
        """Send `prefix + address` with `args`; return False (and count) on any error."""
        return self.send_datagram(build_message(self.prefix + address, args))

    def send_datagram(self, datagram: bytes) -> bool:
        if self._address is None:
            self.stats.errors += 1
            return False
        try:
            self._socket.sendto(datagram, self._address)
        except OSError as error:  # ECONNREFUSED from an earlier datagram, ENETUNREACH, buffer full...
            self.stats.errors += 1
            self.stats.last_error = str(error)
            return False
        self.stats.sent += 1
        return True

    def close(self) -> None:
        self._socket.close()
