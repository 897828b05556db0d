"""Value types shared by every clock source: transport state, lock status, snapshots."""

from __future__ import annotations

import enum
from dataclasses import dataclass

TICKS_PER_BEAT = 24  # MIDI clock: 24 pulses per quarter note
TICKS_PER_SIXTEENTH = 6  # Song Position Pointer counts sixteenths


class Transport(enum.Enum):
    """Whether the music is running."""

    STOPPED = "stopped"
    RUNNING = "running"


class ClockStatus(enum.Enum):
    """How far the tempo can be trusted: locked to the source, free-running, or stalled."""

    FREE = "free"  # no reliable tempo yet (or internal clock stopped)
    LOCKED = "locked"
    STALLED = "stalled"  # the source stopped sending while the transport runs


@dataclass(frozen=True)
class TransportChange:
    """A start/stop/continue of the transport at musical position `beat`, wall time `time`."""

    kind: str  # "start" | "stop" | "continue"
    beat: float
    time: float


@dataclass(frozen=True)
class ClockSnapshot:
    """What a clock source knows at one moment, for telemetry and the dashboard."""

    source: str
    time: float
    beat: float
    bpm: float
    transport: Transport
    status: ClockStatus
    beats_per_bar: int
    jitter_ms_p99: float = 0.0
    ticks: int = 0
    outliers: int = 0
    dropped_ticks: int = 0

    @property
    def bar(self) -> int:
        """1-based bar number of the current position."""
        return int(self.beat // self.beats_per_bar) + 1

    @property
    def beat_in_bar(self) -> int:
        """1-based beat within the bar."""
        return int(self.beat % self.beats_per_bar) + 1
