"""Blocking request/reply with the board, for the workbench commands (`drumbridge drum status|test|…`).

Not for the show: the show's link never waits. Here waiting is the point: a builder asks, the board answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from bridge.drum import protocol as p
from bridge.drum.ports import PortOpener, SerialPort, open_serial

R = TypeVar("R", bound=p.Reply)


class BoardTimeout(TimeoutError):
    """The board did not answer in time."""


class DrumClient:
    """One open serial port to the board; each call sends a request and waits for its reply."""

    def __init__(self, port: SerialPort, clock: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.clock = clock
        self.parser = p.ReplyParser()
        self.boots: list[p.Boot] = []
        self._backlog: list[p.Reply] = []

    @classmethod
    def open(cls, device: str, baud: int = p.BAUD, opener: PortOpener = open_serial) -> DrumClient:
        return cls(opener(device, baud))

    def close(self) -> None:
        self.port.close()

    def __enter__(self) -> DrumClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _read(self) -> None:
        data = self.port.read(256)
        for reply in self.parser.feed(data or b""):
            if isinstance(reply, p.Boot):
                self.boots.append(reply)
            self._backlog.append(reply)

    def wait_for(self, kind: type[R], timeout: float, match: Callable[[R], bool] = lambda r: True,
                 resend: bytes | None = None, resend_every: float = 0.5) -> R:
        """The first reply of `kind` matching `match`; resend `resend` every `resend_every` s while waiting."""
        deadline = self.clock() + timeout
        next_send = self.clock() + resend_every
        while True:
            for i, reply in enumerate(self._backlog):
                if isinstance(reply, kind) and match(reply):
                    del self._backlog[: i + 1]
                    return reply
            if self.clock() >= deadline:
                raise BoardTimeout(f"no {kind.__name__.lower()} reply from the board within {timeout:g} s")
            if resend is not None and self.clock() >= next_send:
                self.port.write(resend)
                next_send = self.clock() + resend_every
            self._read()

    def request(self, data: bytes, kind: type[R], timeout: float = 1.0,
                match: Callable[[R], bool] = lambda r: True) -> R:
        self._backlog.clear()
        self.port.write(data)
        return self.wait_for(kind, timeout, match)

    def _ack(self, data: bytes, command: int, timeout: float = 1.0) -> p.Ack:
        return self.request(data, p.Ack, timeout, lambda a: a.command == command)

    def hello(self, timeout: float = 3.0) -> p.Hello:
        """The board's identity; waits out a reset (an Uno reboots when its port opens) by asking again."""
        self._backlog.clear()
        self.port.write(p.hello())
        return self.wait_for(p.Hello, timeout, resend=p.hello())

    def status(self) -> p.Status:
        return self.request(p.status_get(), p.Status)

    def calibration(self, motor: int) -> p.Calibration:
        return self.request(p.cal_get(motor), p.CalReply, match=lambda r: r.motor == motor).calibration

    def set_calibration(self, motor: int, cal: p.Calibration) -> p.Ack:
        return self._ack(p.cal_set(motor, cal), p.CMD_CAL_SET)

    def note_map(self) -> p.NoteMap:
        return self.request(p.map_get(), p.MapReply).note_map

    def save(self) -> p.Ack:
        """Write calibration and map to EEPROM (the ACK comes when the last byte is written)."""
        return self._ack(p.save(), p.CMD_SAVE, timeout=3.0)

    def test(self, motor: int, velocity: int) -> p.Ack:
        return self._ack(p.test_strike(motor, velocity), p.CMD_TEST_STRIKE)

