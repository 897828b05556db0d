"""drumbridge as the tempo master: a steady clock that also sends MIDI clock so Live can follow."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Protocol

from bridge.clock.ephemera import TICKS_PER_BEAT, ClockSnapshot, ClockStatus, Transport, TransportChange
from bridge.clock.follower import CLOCK, CONTINUE, START, STOP

SendBytes = Callable[[list[int]], None]
SendBytesAt = Callable[[list[int], float], None]
REFILL = 1 / 3  # sending ahead: the clock wakes when only this share of its lookahead is left queued
ORDER_GAP = 1e-5  # Start is timed this much before the tick that follows it, so the two never swap


class ClockOutput(Protocol):
    """Where the clock's bytes go: a MIDI output, which may take messages ahead of their time."""

    lookahead: float

    def send(self, data: list[int]) -> None: ...
    def send_at(self, data: list[int], due: float) -> None: ...


class InternalClock:
    """A master clock: exact tempo, transport under our control, 0xF8 ticks sent on every 24th of a beat.

    Ticks keep going while stopped (so followers can lock before Start); the song position only
    moves while running. Changing the tempo keeps the phase continuous.

    On an output that sends messages on time by itself (`lookahead` > 0) the ticks are handed over up
    to `lookahead` ahead, a batch at a time: the engine need not wake for each of the 48 ticks a second,
    and the ticks leave exact to the frame. A tempo change then takes effect after the ticks already
    handed over, so beats and ticks never disagree.
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
        self.send_at: SendBytesAt | None = None
        self.lookahead = 0.0
        self._ahead: deque[float] = deque()  # times of ticks handed over ahead whose time has not come
        # the tempo segments (anchor time, beat, bpm) still in force before `_anchor_time`, oldest first:
        # a change lands after the ticks already sent, and those keep the tempo they were sent at
        self._before: list[tuple[float, float, float]] = []

    def attach(self, output: ClockOutput) -> None:
        """Send the clock's bytes to `output`, ahead of their time when it can take them so."""
        self.send = output.send
        self.send_at = output.send_at
        self.lookahead = max(0.0, float(output.lookahead))

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
        """Change tempo at `now` (after the ticks already sent ahead) without a jump in position."""
        if not 20.0 <= bpm <= 400.0:
            raise ValueError(f"bpm must be between 20 and 400, got {bpm}")
        self._forget_sent(now)
        at = self._ahead[-1] if self._ahead and self._transport is Transport.RUNNING else now
        previous = (self._anchor_time, self._anchor_beat, self._bpm)
        self._anchor_beat = self.beat_at(at)
        self._anchor_time = at
        self._bpm = bpm
        if at > now:  # the ticks up to `at` keep the old tempo: so do the beats
            if previous[0] < at:
                self._before.append(previous)
            self._skip_grid(at, inclusive=False)
        else:
            self._before.clear()

    def start(self, now: float, beat: float = 0.0, kind: str = "start") -> None:
        """Start (or continue) the song at `beat`; the first beat lands on the next tick of the grid."""
        if self._transport is Transport.RUNNING:
            return
        if self.send is None and self._next_tick_time is not None and self._next_tick_time < now:
            self._skip_grid(now, inclusive=True)  # not polled on every tick: bring the grid up to now
        self._forget_sent(now)
        sent_ahead = [t for t in self._ahead if t >= now]
        if sent_ahead:  # the next tick is already on its way: it is beat `beat`, and those after it follow
            first_tick = sent_ahead[0]
        else:
            first_tick = (self._next_tick_time if self._next_tick_time is not None and self._next_tick_time >= now
                          else now)
        self._anchor_time = first_tick
        self._anchor_beat = beat
        self._before.clear()
        self._next_tick_time = first_tick
        self._transport = Transport.RUNNING
        if sent_ahead:
            self._skip_grid(sent_ahead[-1], inclusive=False)
        self._emit([START if kind == "start" else CONTINUE], min(now, first_tick - ORDER_GAP))
        self._changes.append(TransportChange(kind, beat, first_tick))

    def stop(self, now: float, last: bool = False) -> None:
        """Stop the song where it is. `last`: the show is closing, so Stop leaves after the ticks already
        sent ahead, the last byte a follower hears."""
        if self._transport is Transport.STOPPED:
            return
        due = max(now, self._ahead[-1] + ORDER_GAP) if last and self._ahead else now
        self._anchor_beat = self.beat_at(now)
        self._anchor_time = now
        self._before.clear()
        self._transport = Transport.STOPPED
        self._emit([STOP], due)
        self._changes.append(TransportChange("stop", self._anchor_beat, now))

    def continue_(self, now: float) -> None:
        """Resume from the position where the song stopped."""
        self.start(now, self._anchor_beat, kind="continue")

    def beat_at(self, t: float) -> float:
        if self._transport is Transport.STOPPED:
            return self._anchor_beat
        if self._before and t < self._anchor_time:
            anchor_time, anchor_beat, bpm = self._segment_before(lambda segment: segment[0] <= t)
            return anchor_beat + max(0.0, t - anchor_time) * bpm / 60.0
        return self._anchor_beat + max(0.0, t - self._anchor_time) * self._bpm / 60.0

    def time_at(self, beat: float) -> float:
        if self._transport is Transport.STOPPED:
            return math.inf
        if self._before and beat < self._anchor_beat:
            anchor_time, anchor_beat, bpm = self._segment_before(lambda segment: segment[1] <= beat)
            return anchor_time + (beat - anchor_beat) * 60.0 / bpm
        return self._anchor_time + (beat - self._anchor_beat) * 60.0 / self._bpm

    def poll(self, now: float) -> list[TransportChange]:
        """Send the clock ticks that are due and return transport changes since the last poll."""
        if self._next_tick_time is None:
            self._next_tick_time = now
        if self.send is None:  # nobody hears the ticks: jump the grid instead of walking it tick by tick
            if self._next_tick_time <= now:
                self._skip_grid(now, inclusive=False)
        else:
            self._forget_sent(now)
            while self._next_tick_time <= now + self.lookahead:
                self._emit([CLOCK], self._next_tick_time)
                if self.lookahead:
                    self._ahead.append(self._next_tick_time)
                self.ticks_sent += 1
                self._skip_grid(self._next_tick_time, inclusive=False)
        changes, self._changes = self._changes, []
        return changes

    def next_wakeup(self, now: float) -> float:
        """The next tick to send (or, sending ahead, when the ticks handed over run low); without a MIDI
        clock output the clock needs no wake-ups of its own (beats are arithmetic, and the scheduler
        wakes the engine for every event)."""
        if self.send is None and self._next_tick_time is not None:
            return math.inf
        if self._next_tick_time is None:
            return now
        return self._next_tick_time - self.lookahead * REFILL

    def _segment_before(self, starts_by: Callable[[tuple[float, float, float]], bool]) -> tuple[float, float, float]:
        """The last tempo segment before the anchor that `starts_by` accepts (else the oldest)."""
        found = self._before[0]
        for segment in self._before:
            if not starts_by(segment):
                break
            found = segment
        return found

    def _forget_sent(self, now: float) -> None:
        """Drop the ticks sent ahead whose time has passed, and the tempo before the last change once past."""
        while self._ahead and self._ahead[0] < now:
            self._ahead.popleft()
        if now >= self._anchor_time:
            self._before.clear()
        while len(self._before) > 1 and self._before[1][0] <= now:
            self._before.pop(0)

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

    def _emit(self, data: list[int], due: float) -> None:
        """Send `data` now, or hand it over to leave at `due` when the output takes messages ahead."""
        if self.lookahead and self.send_at is not None:
            self.send_at(data, due)
        elif self.send is not None:
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
