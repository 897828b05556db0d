"""Time sources: the one place the engine reads the time, so tests can run in virtual time."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class TimeSource(Protocol):
    """Anything that tells the current time in seconds on a monotonic scale."""

    def __call__(self) -> float: ...


def monotonic_time() -> float:
    """The real monotonic clock, in seconds."""
    return time.monotonic()


class ManualTime:
    """Virtual time that only moves when a test (or an offline runner) advances it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def set(self, t: float) -> None:
        """Jump to time `t`; time never goes backwards."""
        with self._lock:
            if t < self._now:
                raise ValueError(f"virtual time cannot go back from {self._now} to {t}")
            self._now = t

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` and return the new time."""
        with self._lock:
            self._now += seconds
            return self._now
