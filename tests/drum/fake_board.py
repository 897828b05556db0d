"""A fake drum board on the far end of a socat cable: speaks the real protocol, records what arrives.

Stands in for the Arduino in bridge tests (the motors cannot exist here); the end-to-end test with the
real firmware in simavr is separate.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bridge.drum import protocol as p
from tests.waiting import describe, wait_until


class FakeBoard:
    """Reads MIDI bytes from `path`, answers SysEx like the firmware, and keeps (time, message) records."""

    def __init__(self, path: Path, motors: int = 4, boot: bool = True, reset_flags: int = 0x01,
                 protocol: int = p.PROTOCOL_VERSION) -> None:
        self.fd = os.open(str(path), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        self.motors = motors
        self.protocol = protocol  # what HELLO and BOOT_NOTICE claim (another value: a board we do not know)
        self.silent = threading.Event()  # set: a hung board (still reads, never answers)
        self.cal = [p.Calibration() for _ in range(motors)]
        self.note_map = p.NoteMap()
        self.notes: list[tuple[float, int, int, int]] = []  # time, channel, note, velocity
        self.heartbeats: list[float] = []
        self.sysex: list[tuple[float, bytes]] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fake-board", daemon=True)
        self._thread.start()
        if boot:
            self.send_boot(reset_flags)

    # -- test controls -------------------------------------------------------------------------
    def send_boot(self, reset_flags: int = 0x01) -> None:
        self._reply(p.NOTICE_BOOT, bytes((self.protocol, 1, 0, 0, reset_flags, 0, self.motors, 0)))

    def reboot(self, reset_flags: int = 0x08) -> None:
        """What a watchdog reset looks like: calibration back to defaults, then the boot notice."""
        with self._lock:
            self.cal = [p.Calibration() for _ in range(self.motors)]
            self.note_map = p.NoteMap()
        self.send_boot(reset_flags)

    def commands(self, command: int) -> list[bytes]:
        """Every SysEx body received with `command`."""
        with self._lock:
            return [body[1:] for _, body in self.sysex if body[0] == command]

    def wait(self, predicate: Callable[[FakeBoard], object], timeout: float = 3.0) -> bool:
        """Wait until `predicate(board)` holds, checked under the board's lock; fails the test after `timeout`."""

        def holds() -> bool:
            with self._lock:
                return bool(predicate(self))

        return wait_until(holds, timeout, what=lambda: f"the fake board: {describe(predicate)}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        try:
            os.close(self.fd)
        except OSError:
            pass

    # -- the board -----------------------------------------------------------------------------
    def _reply(self, command: int, data: bytes) -> None:
        if self.silent.is_set():
            return
        try:
            os.write(self.fd, bytes((p.SYSEX_START, p.SYSEX_ID, command)) + data + bytes((p.SYSEX_END,)))
        except OSError:
            pass

    def _loop(self) -> None:
        status: int | None = None
        data: list[int] = []
        sysex: bytearray | None = None
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 256)
            except OSError:
                return  # cable unplugged
            now = time.monotonic()
            for byte in chunk:
                if byte == p.ACTIVE_SENSING:
                    with self._lock:
                        self.heartbeats.append(now)
                elif byte == p.SYSEX_START:
                    sysex = bytearray()
                elif byte == p.SYSEX_END and sysex is not None:
                    self._on_sysex(bytes(sysex), now)
                    sysex = None
                elif sysex is not None:
                    sysex.append(byte)
                elif byte & 0x80:
                    status, data = byte, []
                elif status is not None:
                    data.append(byte)
                    if len(data) == 2:
                        if status & 0xF0 == p.NOTE_ON and data[1] > 0:
                            with self._lock:
                                self.notes.append((now, status & 0x0F, data[0], data[1]))
                        data = []

    def _on_sysex(self, body: bytes, now: float) -> None:
        if len(body) < 2 or body[0] != p.SYSEX_ID:
            return
        command, data = body[1], body[2:]
        with self._lock:
            self.sysex.append((now, body[1:]))
        if command == p.CMD_HELLO:
            self._reply(p.REPLY_HELLO, bytes((self.protocol, 1, 0, 0, self.motors, 0)))
        elif command == p.CMD_CAL_GET:
            self._reply(p.REPLY_CAL, data[:1] + p.encode_calibration(self.cal[data[0]]))
        elif command == p.CMD_CAL_SET:
            with self._lock:
                self.cal[data[0]] = p.decode_calibration(data[1:])
            self._reply(p.REPLY_ACK, bytes((command, 0)))
        elif command == p.CMD_MAP_SET:
            with self._lock:
                self.note_map = p.decode_map(data)
            self._reply(p.REPLY_ACK, bytes((command, 0)))
        elif command == p.CMD_MAP_GET:
            self._reply(p.REPLY_MAP, p.encode_map(self.note_map))
        elif command == p.CMD_STATUS_GET:
            counters = b"".join(p.pack32(len(self.notes) if name == "notes" else 0) for name in p.STATUS_COUNTERS)
            self._reply(p.REPLY_STATUS, bytes((0x01, 0)) + counters)
        else:
            self._reply(p.REPLY_ACK, bytes((command, 0)))


__all__ = ["FakeBoard", "replace"]
