"""Honest arrival times for MIDI input: the driver's own spacing between messages, anchored to our clock.

A message is stamped when the callback runs, which on JACK is up to one period (1.33 ms at 64
frames) after it was sent, varying message to message. rtmidi also reports the time since the
previous message as measured by the MIDI system (JACK frame time), which is exact spacing but on
another time base. Summing those deltas and anchoring the sum by the *earliest* arrival seen in a
recent window gives times with the driver's precision on our clock: period jitter and most of
the delivery delay are gone, and the window lets the two clocks drift apart slowly.
The anchor outlives a silence of up to a minute, so the first message after one is placed by the
driver's spacing however late it is read (the input poller slows down in a long silence).
"""

from __future__ import annotations

from collections import deque


class ArrivalSmoother:
    """Turns (callback time, driver delta) pairs into de-jittered times on the callback clock."""

    def __init__(self, window: int = 512, max_delta: float = 60.0) -> None:
        self.window = window
        self.max_delta = max_delta
        self._sum = 0.0  # driver time of the current message, relative to the anchor's start
        self._count = 0
        self._offsets: deque[tuple[int, float]] = deque()  # (message number, arrival - sum), increasing

    def reset(self) -> None:
        self._sum = 0.0
        self._count = 0
        self._offsets.clear()

    def stamp(self, arrival: float, delta: float) -> float:
        """The de-jittered time of a message that arrived at `arrival`, `delta` s after the previous one."""
        if self._count and not 0.0 <= delta <= self.max_delta:
            self.reset()  # a minute's gap (clocks may have drifted) or a nonsense delta: start a new anchor
        if self._count:
            self._sum += delta
        n = self._count
        self._count += 1
        offset = arrival - self._sum
        while self._offsets and self._offsets[-1][1] >= offset:
            self._offsets.pop()
        self._offsets.append((n, offset))
        while self._offsets[0][0] <= n - self.window:
            self._offsets.popleft()
        return min(arrival, self._sum + self._offsets[0][1])
