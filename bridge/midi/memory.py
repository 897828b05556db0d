"""In-memory twins of the virtual ports, for unit tests and virtual-time replay (same interface, no MIDI system)."""

from __future__ import annotations

from bridge.midi.ports import PortStats, RawHandler, SoundingNotes
from bridge.timebase import TimeSource, monotonic_time


class MemoryInput:
    """An input whose messages are pushed by the test (`inject`) instead of another app."""

    def __init__(self, name: str, handler: RawHandler, time_source: TimeSource = monotonic_time) -> None:
        self.name = name
        self.stats = PortStats()
        self._handler = handler
        self._time = time_source
        self.is_open = True

    def inject(self, data: list[int], t: float | None = None) -> None:
        """Deliver `data` as if it had arrived now (or at `t`)."""
        t = self._time() if t is None else t
        self.stats.messages += 1
        self.stats.last_time = t
        self._handler(self.name, list(data), t)

    def close(self) -> None:
        self.is_open = False


class MemoryOutput:
    """An output that records what was sent, with the time it was sent."""

    def __init__(self, name: str, time_source: TimeSource = monotonic_time) -> None:
        self.name = name
        self.stats = PortStats()
        self.sounding = SoundingNotes()
        self.sent: list[tuple[float, list[int]]] = []
        self._time = time_source
        self.is_open = True

    def send(self, data: list[int]) -> None:
        if not self.is_open:
            self.stats.errors += 1
            return
        self.sent.append((self._time(), list(data)))
        self.stats.messages += 1
        self.sounding.track(data)

    def panic(self) -> int:
        messages = self.sounding.release_messages()
        for data in messages:
            self.send(data)
        return len(messages)

    def close(self) -> None:
        self.panic()
        self.is_open = False
