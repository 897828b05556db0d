"""`oscdump` (liblo-tools) as an independent OSC receiver: it prints what actually arrived on the wire."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class OscLine:
    """One message as oscdump printed it."""

    address: str
    types: str
    args: tuple[object, ...]
    received: float  # time.monotonic() when the line was read


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse_args(types: str, rest: str) -> tuple[object, ...]:
    tokens = re.findall(r'"[^"]*"|\S+', rest)
    out: list[object] = []
    for tag, token in zip(types, tokens):
        if tag == "i" or tag == "h":
            out.append(int(token))
        elif tag in "fd":
            out.append(float(token))
        elif tag == "s":
            out.append(token.strip('"'))
        else:
            out.append(token)
    return tuple(out)


class OscDump:
    """Runs `oscdump PORT` and collects parsed lines on a reader thread."""

    def __init__(self, port: int | None = None) -> None:
        if shutil.which("oscdump") is None:
            raise RuntimeError("oscdump is not installed (apt-get install liblo-tools)")
        self.port = port or free_udp_port()
        self.lines: list[OscLine] = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(["oscdump", "-L", str(self.port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_bound()

    def _wait_bound(self, timeout: float = 5.0) -> None:
        """Wait until oscdump owns the UDP port (an external process starting, not our behaviour)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    return
            time.sleep(0.01)
        raise RuntimeError(f"oscdump did not bind UDP port {self.port}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            start = line.find(" /") + 1 if not line.startswith("/") else 0
            if start == 0 and not line.startswith("/"):
                continue  # not a message line (oscdump prefixes a time tag: "seconds.fraction /address ...")
            parts = line[start:].split(" ", 2)
            address = parts[0]
            types = parts[1] if len(parts) > 1 else ""
            args = _parse_args(types, parts[2] if len(parts) > 2 else "")
            with self._lock:
                self.lines.append(OscLine(address, types, args, time.monotonic()))

    def messages(self, address: str | None = None) -> list[OscLine]:
        with self._lock:
            return [m for m in self.lines if address is None or m.address == address]

    def wait_for(self, count: int, address: str | None = None, timeout: float = 5.0) -> list[OscLine]:
        """Wait until `count` messages (optionally at `address`) have arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(address)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        return self.messages(address)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
