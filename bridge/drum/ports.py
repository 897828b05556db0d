"""Finding and opening the board's serial port: USB id matching over pyserial's list, pty-safe open."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class SerialPort(Protocol):
    """The part of pyserial's Serial the link uses (a fake in tests has the same shape)."""

    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    def close(self) -> None: ...


PortOpener = Callable[[str, int], SerialPort]


@dataclass(frozen=True)
class PortInfo:
    """One serial port as the finder sees it."""

    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    description: str


def list_serial_ports() -> list[PortInfo]:
    """Every serial port pyserial can see, with USB ids."""
    from serial.tools import list_ports

    return [PortInfo(p.device, p.vid, p.pid, p.serial_number, p.description or "")
            for p in sorted(list_ports.comports(), key=lambda p: p.device)]


def usb_id_matches(pattern: str, vid: int | None, pid: int | None) -> bool:
    """`"2341:*"` / `"1a86:7523"` against a port's USB ids."""
    if vid is None:
        return False
    want_vid, want_pid = pattern.lower().split(":")
    return int(want_vid, 16) == vid and (want_pid == "*" or (pid is not None and int(want_pid, 16) == pid))


def find_board(usb_ids: Sequence[str], serial_number: str = "",
               ports: Iterable[PortInfo] | None = None) -> PortInfo | None:
    """The first port whose USB id is in `usb_ids` (and serial number, if given); None when none is plugged."""
    candidates = list_serial_ports() if ports is None else list(ports)
    for pattern in usb_ids:  # the order of usb_ids is the preference order
        for port in candidates:
            if usb_id_matches(pattern, port.vid, port.pid) and (
                    not serial_number or port.serial_number == serial_number):
                return port
    return None


def open_serial(device: str, baud: int, read_timeout: float = 0.05, write_timeout: float = 0.5) -> Any:
    """Open `device` 8N1 without toggling DTR/RTS where that is possible (a pty raises on both: ignored)."""
    import serial

    port = serial.Serial()
    port.port = device
    port.baudrate = baud
    port.timeout = read_timeout
    port.write_timeout = write_timeout
    for line in ("dtr", "rts"):
        try:
            setattr(port, line, False)  # before open: only remembered, applied by open()
        except (OSError, ValueError, serial.SerialException):
            pass
    try:
        port.open()
    except OSError as error:  # a pty refuses the modem-control ioctls on some kernels
        if getattr(error, "errno", None) not in (22, 25) or not port.is_open:
            raise
    return port
