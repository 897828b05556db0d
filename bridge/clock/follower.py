"""Follow an external MIDI clock (Ableton Live): 0xF8 ticks, Start, Stop, Continue, Song Position Pointer.

Tick times are noisy (USB, JACK periods), so position and tempo come from a least-squares line
through recent ticks (`TempoFit`), not from the last tick alone. Everything is fed with explicit
times, so the follower runs the same in virtual time (tests, replay) and on real ports.
"""

from __future__ import annotations

import math
from collections import deque

from bridge.clock.ephemera import (
    TICKS_PER_BEAT,
    TICKS_PER_SIXTEENTH,
    ClockSnapshot,
    ClockStatus,
    Transport,
    TransportChange,
)
from bridge.clock.tempo import TempoFit, TempoFitConfig, bpm_from_period, period_from_bpm

CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2


class MidiClockFollower:
    """A clock source slaved to incoming MIDI clock bytes."""

    name = "midi"

    def __init__(
        self,
        bpm_hint: float = 120.0,
        beats_per_bar: int = 4,
        stall_periods: float = 6.0,
        fit_config: TempoFitConfig | None = None,
        max_lead_ticks: float = 2.0,
    ) -> None:
        self.beats_per_bar = beats_per_bar
        self.stall_periods = stall_periods
        self.max_lead_ticks = max_lead_ticks
        self.fit = TempoFit(fit_config, period_from_bpm(bpm_hint))
        self._stream_index = -1  # counts every tick seen (tempo line), across start/stop
        self._position = 0  # tick position in the song of the *next* tick while running
        self._start_offset = 0  # stream index of song position 0
        self._transport = Transport.STOPPED
        self._pending_start: str | None = None  # "start"/"continue" waiting for the first tick
        self._last_tick_time: float | None = None
        self._stalled = False
        self._changes: list[TransportChange] = []
        self._residuals: deque[float] = deque(maxlen=24 * 20)
        self.ticks = 0
        self.dropped_ticks = 0
        self.stalls = 0

    # -- input ---------------------------------------------------------------------------
    def feed(self, data: bytes | list[int] | tuple[int, ...], t: float) -> None:
        """Handle one MIDI message (status byte first) received at time `t`; other messages are ignored."""
        if not data:
            return
        status = data[0]
        if status == CLOCK:
            self._tick(t)
        elif status == START:
            self._position = 0
            self._pending_start = "start"
        elif status == CONTINUE:
            self._pending_start = "continue"
        elif status == STOP:
            if self._transport is Transport.RUNNING:
                self._position = self._current_tick_position()
                self._transport = Transport.STOPPED
                self._changes.append(TransportChange("stop", self._position / TICKS_PER_BEAT, t))
            self._pending_start = None
        elif status == SONG_POSITION and len(data) >= 3:
            if self._transport is Transport.STOPPED:
                self._position = ((data[2] & 0x7F) << 7 | (data[1] & 0x7F)) * TICKS_PER_SIXTEENTH

    def _current_tick_position(self) -> int:
        """Song position (in ticks) of the next tick to come."""
        return self._stream_index + 1 - self._start_offset

    def _tick(self, t: float) -> None:
        self.ticks += 1
        last = self._last_tick_time
        if (last is not None and self.fit.count >= self.fit.config.min_fit
                and (t - last) / self.fit.period > self.stall_periods):
            # After a silence (stall, or a stopped transport without clock) the tempo may be anything:
            # start a new line, keeping the last period as the hint. Only a line that has formed is
            # cut: a fresh one takes the next ticks whatever their spacing, or a hint left by absurdly
            # fast ticks would make every later tick look like the end of a silence, for ever.
            self.fit.reset()
        self._stalled = False
        self._stream_index += 1
        self._last_tick_time = t
        residual = self.fit.add(self._stream_index, t)
        if residual is not None:
            self._residuals.append(abs(residual))
        # Lost ticks show as a run of ticks whole periods late; one late tick is only an outlier.
        slipped = self.fit.take_slip()
        if slipped:
            self._stream_index += slipped
            self.dropped_ticks += slipped
        if self._pending_start is not None:
            # The first tick after Start/Continue is the song position itself.
            self._start_offset = self._stream_index - self._position
            self._transport = Transport.RUNNING
            self._changes.append(TransportChange(self._pending_start, self._position / TICKS_PER_BEAT, t))
            self._pending_start = None

    # -- ClockSource -----------------------------------------------------------------------
    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def bpm(self) -> float:
        return bpm_from_period(self.fit.period)

    def beat_at(self, t: float) -> float:
        """Predicted song position at `t`, never more than `max_lead_ticks` past the last tick seen."""
        if self._transport is Transport.STOPPED or self.fit.count == 0:
            return self._position / TICKS_PER_BEAT
        index = self.fit.index_at(t)
        index = min(index, self._stream_index + self.max_lead_ticks)
        index = max(index, self._start_offset)
        return (index - self._start_offset) / TICKS_PER_BEAT

    def time_at(self, beat: float) -> float:
        """Predicted time of song position `beat`; inf while stopped or stalled."""
        if self._transport is Transport.STOPPED or self._stalled or self.fit.count == 0:
            return math.inf
        return self.fit.time_of(self._start_offset + beat * TICKS_PER_BEAT)

    def poll(self, now: float) -> list[TransportChange]:
        """Detect a stalled clock and hand over the transport changes seen since the last poll."""
        if (
            self._transport is Transport.RUNNING
            and not self._stalled
            and self._last_tick_time is not None
            and now - self._last_tick_time > self.stall_periods * self.fit.period
        ):
            self._stalled = True
            self.stalls += 1
        changes, self._changes = self._changes, []
        return changes

    def next_wakeup(self, now: float) -> float:
        if self._transport is Transport.RUNNING and not self._stalled and self._last_tick_time is not None:
            return self._last_tick_time + self.stall_periods * self.fit.period + 1e-4
        return math.inf

    @property
    def status(self) -> ClockStatus:
        """Locked once a beat of ticks sits on one line; stalled when ticks stop while running."""
        if self._stalled:
            return ClockStatus.STALLED
        if self.fit.count >= TICKS_PER_BEAT:
            return ClockStatus.LOCKED
        return ClockStatus.FREE

    def jitter_p99(self) -> float:
        """99th percentile of |tick time - fitted line| over the last 20 beats, in seconds."""
        if not self._residuals:
            return 0.0
        ordered = sorted(self._residuals)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def snapshot(self, now: float) -> ClockSnapshot:
        return ClockSnapshot(
            source=self.name,
            time=now,
            beat=self.beat_at(now),
            bpm=self.bpm,
            transport=self._transport,
            status=self.status,
            beats_per_bar=self.beats_per_bar,
            jitter_ms_p99=self.jitter_p99() * 1000.0,
            ticks=self.ticks,
            outliers=self.fit.outliers,
            dropped_ticks=self.dropped_ticks,
        )
