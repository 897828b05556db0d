"""drumbridge as the tempo master: a steady clock that also sends MIDI clock so Live can follow."""

from __future__ import annotations

import math
from collections.abc import Callable

from bridge.clock.ephemera import TICKS_PER_BEAT, ClockSnapshot, ClockStatus, Transport, TransportChange
from bridge.clock.follower import CLOCK, CONTINUE, START, STOP

SendBytes = Callable[[list[int]], None]


class InternalClock:
    """A master clock: exact tempo, transport under our control, 0xF8 ticks sent on every 24th of a beat.

    Ticks keep going while stopped (so followers can lock before Start); the song position only
    moves while running. Changing the tempo keeps the phase continuous.
    """

    name = "internal"

    def __init__(self, bpm: float = 120.0, beats_per_bar: int = 4, send: SendBytes | None = None) -> None:
        if not 20.0 <= bpm <= 400.0:
            raise ValueError(f"bpm must be between 20 and 400, got {bpm}")
        self.beats_per_bar = beats_per_bar
        self.send = send
        self._bpm = bpm
        self._transport = Transport.STOPPED
        self._anchor_time = 0.0  # time at which the song was at `_anchor_beat`
        self._anchor_beat = 0.0
        self._next_tick_time: float | None = None  # free-running tick grid
        self._changes: list[TransportChange] = []
        self.ticks_sent = 0

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def bpm(self) -> float:
        return self._bpm

    @property
    def tick_period(self) -> float:
        return 60.0 / (self._bpm * TICKS_PER_BEAT)

    def set_bpm(self, bpm: float, now: float) -> None:
        """Change tempo at `now` without a jump in position."""
        if not 20.0 <= bpm <= 400.0:
            raise ValueError(f"bpm must be between 20 and 400, got {bpm}")
        self._anchor_beat = self.beat_at(now)
        self._anchor_time = now
        self._bpm = bpm

    def start(self, now: float, beat: float = 0.0, kind: str = "start") -> None:
        """Start (or continue) the song at `beat`; the first beat lands on the next tick of the grid."""
        if self._transport is Transport.RUNNING:
            return
        if self.send is None and self._next_tick_time is not None and self._next_tick_time < now:
            self._skip_grid(now, inclusive=True)  # not polled on every tick: bring the grid up to now
        first_tick = self._next_tick_time if self._next_tick_time is not None and self._next_tick_time >= now else now
        self._anchor_time = first_tick
        self._anchor_beat = beat
        self._next_tick_time = first_tick
        self._transport = Transport.RUNNING
        self._emit([START if kind == "start" else CONTINUE])
        self._changes.append(TransportChange(kind, beat, first_tick))

    def stop(self, now: float) -> None:
        """Stop the song where it is."""
        if self._transport is Transport.STOPPED:
            return
        self._anchor_beat = self.beat_at(now)
        self._anchor_time = now
        self._transport = Transport.STOPPED
        self._emit([STOP])
        self._changes.append(TransportChange("stop", self._anchor_beat, now))

    def continue_(self, now: float) -> None:
        """Resume from the position where the song stopped."""
        self.start(now, self._anchor_beat, kind="continue")

    def beat_at(self, t: float) -> float:
        if self._transport is Transport.STOPPED:
            return self._anchor_beat
        return self._anchor_beat + max(0.0, t - self._anchor_time) * self._bpm / 60.0

    def time_at(self, beat: float) -> float:
        if self._transport is Transport.STOPPED:
            return math.inf
        return self._anchor_time + (beat - self._anchor_beat) * 60.0 / self._bpm

    def poll(self, now: float) -> list[TransportChange]:
        """Send the clock ticks that are due and return transport changes since the last poll."""
        if self._next_tick_time is None:
            self._next_tick_time = now
        if self.send is None:  # nobody hears the ticks: jump the grid instead of walking it tick by tick
            if self._next_tick_time <= now:
                self._skip_grid(now, inclusive=False)
        else:
            while self._next_tick_time <= now:
                self._emit([CLOCK])
                self.ticks_sent += 1
                self._skip_grid(self._next_tick_time, inclusive=False)
        changes, self._changes = self._changes, []
        return changes

    def next_wakeup(self, now: float) -> float:
        """The next tick to send; without a MIDI clock output the clock needs no wake-ups of its own
        (beats are arithmetic, and the scheduler wakes the engine for every event)."""
        if self.send is None and self._next_tick_time is not None:
            return math.inf
        return self._next_tick_time if self._next_tick_time is not None else now

    def _skip_grid(self, now: float, inclusive: bool) -> None:
        """Move the tick grid to its first tick after `now` (at or after it when `inclusive`).

        While running the grid is the song's (24 ticks a beat), so tempo changes never drift the ticks from
        the beats; while stopped it runs on at the tick period."""
        assert self._next_tick_time is not None
        if self._transport is Transport.RUNNING:
            ticks = round(self.beat_at(now) * TICKS_PER_BEAT, 6)
            index = math.ceil(ticks) if inclusive else math.floor(ticks) + 1
            self._next_tick_time = self.time_at(index / TICKS_PER_BEAT)
        else:
            steps = round((now - self._next_tick_time) / self.tick_period, 6)
            count = math.ceil(steps) if inclusive else math.floor(steps) + 1
            self._next_tick_time += count * self.tick_period

    def _emit(self, data: list[int]) -> None:
        if self.send is not None:
            self.send(data)

    def snapshot(self, now: float) -> ClockSnapshot:
        return ClockSnapshot(
            source=self.name,
            time=now,
            beat=self.beat_at(now),
            bpm=self._bpm,
            transport=self._transport,
            status=ClockStatus.LOCKED if self._transport is Transport.RUNNING else ClockStatus.FREE,
            beats_per_bar=self.beats_per_bar,
            ticks=self.ticks_sent,
        )
