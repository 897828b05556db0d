"""Notices a drum board that went silent: a request unanswered and no byte at all for the reply timeout.

Pure (time is passed in), so it is tested in virtual time. The host's analogue of the firmware's
Active Sensing timeout (PROTOCOL.md section 5): every request gets exactly one reply within
~0.2 ms, so `REPLY_TIMEOUT_MS` of silence while a request is outstanding means the board hung or the
cable died without the port closing. The watch only arms once the board has answered on this
connection: an Uno's bootloader is silent for ~0.5-1.5 s after every port open, and a board that
never answers is a different fault (firmware not flashed, wrong baud), reported on its own.
"""

from __future__ import annotations

import math

from bridge.drum.protocol import REPLY_TIMEOUT_MS


class SilenceWatch:
    """Tracks the oldest request sent since the board last sent a byte; `expired` once it waited too long."""

    def __init__(self, timeout: float = REPLY_TIMEOUT_MS / 1000.0) -> None:
        self.timeout = timeout
        self.armed = False
        self._asked_at: float | None = None

    def reset(self) -> None:
        """A new connection: disarmed until the board answers, nothing outstanding."""
        self.armed = False
        self._asked_at = None

    def arm(self) -> None:
        """The board answered on this connection: from now on silence counts."""
        self.armed = True

    def asked(self, now: float) -> None:
        """A request went out at `now` (only the first one since the last byte starts the clock)."""
        if self.armed and self._asked_at is None:
            self._asked_at = now

    def heard(self) -> None:
        """Bytes arrived from the board: it is alive, nothing is overdue."""
        self._asked_at = None

    def deadline(self) -> float:
        """When the outstanding request becomes overdue (inf when nothing is outstanding)."""
        return math.inf if self._asked_at is None else self._asked_at + self.timeout

    def expired(self, now: float) -> bool:
        """True once a request has waited `timeout` seconds with no byte from the board."""
        return now >= self.deadline() - 1e-9
