"""In-memory twins of the MIDI ports, for unit tests and virtual-time replay (same base, no MIDI system)."""

from __future__ import annotations

from bridge.midi.base import InputBase, OutputBase, PortWriteError, RawHandler
from bridge.timebase import TimeSource, monotonic_time


class MemoryInput(InputBase):
    """An input whose messages are pushed by the test (`inject`) instead of another app."""

    def __init__(self, name: str, handler: RawHandler, time_source: TimeSource = monotonic_time) -> None:
        super().__init__(name, handler)
        self._time = time_source
        self.is_open = True

    def inject(self, data: list[int], t: float | None = None) -> None:
        """Deliver `data` as if it had arrived now (or at `t`)."""
        self._deliver(list(data), self._time() if t is None else t)

    def close(self) -> None:
        self.is_open = False


class MemoryOutput(OutputBase):
    """An output that records what was sent, with the time it was sent (or was to leave, for `send_at`).

    `lookahead` > 0 plays a port that sends messages on time by itself (a JACK output of our rtmidi).
    """

    def __init__(self, name: str, time_source: TimeSource = monotonic_time, lookahead: float = 0.0) -> None:
        super().__init__(name)
        self.sent: list[tuple[float, list[int]]] = []
        self.lookahead = lookahead
        self._time = time_source
        self._open = True

    @property
    def is_open(self) -> bool:
        return self._open

    def _write(self, data: list[int]) -> None:
        self._write_at(data, self._time())

    def _write_at(self, data: list[int], due: float) -> None:
        if not self._open:
            raise PortWriteError(f"{self.name} is closed")
        now = self._time()
        self.sent.append((max(due, now) if self.lookahead else now, data))

    def wire(self) -> list[tuple[float, list[int]]]:
        """What left the port, in the order it left (timed messages sort in by their time)."""
        return sorted(self.sent, key=lambda item: item[0])

    def _release(self) -> None:
        self._open = False
