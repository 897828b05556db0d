"""What the host knows about each motor: its calibration, and its strikes for telemetry and the re-strike guard."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bridge.drum import protocol as p


@dataclass
class MotorState:
    """Per-motor runtime state for telemetry and the host-side re-strike guard."""

    motor: int
    voice: str
    calibration: p.Calibration | None = None  # as last known (set file or read from the board)
    host_owned: bool = False  # set by the set file or drum.calibrate: pushed on every (re)connect
    last_hit_beat: float | None = None
    last_hit_time: float | None = None
    strikes: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        self.recent: deque[float] = deque()

    @property
    def latency(self) -> float:
        cal = self.calibration or p.Calibration()
        return cal.latency_ms / 1000.0

    def hit(self, now: float, beat: float | None) -> None:
        """Count a strike that went out at `now` (landing on `beat`, when known)."""
        self.strikes += 1
        self.last_hit_time = now
        self.last_hit_beat = beat
        self.recent.append(now)
