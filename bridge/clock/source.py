"""The interface every clock source offers the scheduler: musical position <-> time, tempo, transport."""

from __future__ import annotations

from typing import Protocol

from bridge.clock.ephemera import ClockSnapshot, Transport, TransportChange


class ClockSource(Protocol):
    """A source of musical time. All times are in seconds of the engine's time source."""

    name: str
    beats_per_bar: int

    @property
    def transport(self) -> Transport: ...

    @property
    def bpm(self) -> float: ...

    def beat_at(self, t: float) -> float:
        """Predicted musical position (quarter notes since song start) at time `t`."""
        ...

    def time_at(self, beat: float) -> float:
        """Predicted time at which position `beat` is (or was) reached; inf when stopped."""
        ...

    def poll(self, now: float) -> list[TransportChange]:
        """Advance to `now` (check for stalls, emit own clock); return transport changes since last poll."""
        ...

    def snapshot(self, now: float) -> ClockSnapshot:
        """A consistent picture of the clock at `now`."""
        ...

    def next_wakeup(self, now: float) -> float:
        """The latest time the engine should call `poll` again."""
        ...
