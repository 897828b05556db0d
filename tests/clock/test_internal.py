"""The internal master clock: exact grid, clock bytes out, tempo changes without jumps."""

from __future__ import annotations

import math

import pytest

from bridge.clock.ephemera import Transport
from bridge.clock.internal import InternalClock


def test_sends_24_ticks_per_beat_and_start_stop() -> None:
    sent: list[tuple[float, list[int]]] = []
    now = [0.0]
    clock = InternalClock(120.0, send=lambda data: sent.append((now[0], data)))
    clock.start(0.0)
    t = 0.0
    while t < 1.0:  # two beats at 120 BPM
        t = min(clock.next_wakeup(t), 1.0)
        now[0] = t
        clock.poll(t)
    ticks = [when for when, data in sent if data == [0xF8]]
    assert sent[0] == (0.0, [0xFA])  # Start first: the next tick is beat 0
    assert len(ticks) == 49  # the tick grid from 0.0 through 1.0 inclusive
    assert all(b - a == pytest.approx(0.5 / 24) for a, b in zip(ticks, ticks[1:]))
    clock.stop(1.0)
    assert sent[-1][1] == [0xFC]
    assert clock.transport is Transport.STOPPED
    assert clock.beat_at(5.0) == pytest.approx(2.0)


def test_tempo_change_keeps_phase_and_grid() -> None:
    clock = InternalClock(120.0)
    clock.start(0.0)
    clock.set_bpm(140.0, 1.0)
    assert clock.beat_at(1.0) == pytest.approx(2.0)
    assert clock.time_at(3.0) == pytest.approx(1.0 + 60 / 140)
    with pytest.raises(ValueError):
        clock.set_bpm(1000.0, 1.0)


def test_continue_resumes_where_stopped() -> None:
    clock = InternalClock(120.0)
    clock.start(0.0)
    clock.stop(1.25)
    assert clock.time_at(3.0) == math.inf
    clock.continue_(2.0)
    changes = clock.poll(2.0)
    assert [(c.kind, c.beat) for c in changes] == [("start", 0.0), ("stop", 2.5), ("continue", 2.5)]


def test_start_lands_on_the_running_tick_grid() -> None:
    """Ticks run while stopped so followers lock; Start makes the *next* tick beat 0, as MIDI requires."""
    sent: list[list[int]] = []
    clock = InternalClock(120.0, send=sent.append)
    clock.poll(0.0)  # a tick at 0.0 while stopped
    clock.start(0.01)
    assert clock.time_at(0.0) == pytest.approx(0.5 / 24)
    assert sent == [[0xF8], [0xFA]]


def test_without_a_clock_output_the_clock_wakes_nobody_and_keeps_its_grid() -> None:
    """No MIDI clock out: no wake-up per tick (an idle show's CPU), yet Start and tempo land as with ticks sent."""
    quiet, ticking = InternalClock(120.0), InternalClock(120.0, send=lambda data: None)
    for clock in (quiet, ticking):
        clock.poll(0.0)
    assert quiet.next_wakeup(0.0) == math.inf and ticking.next_wakeup(0.0) == pytest.approx(0.5 / 24)
    t = 0.0
    while t < 3600.0:  # an hour stopped: the ticking clock walks its grid, the quiet one is polled once at the end
        t = ticking.next_wakeup(t)
        ticking.poll(t)
    for when, clock in ((3600.013, quiet), (3600.013, ticking)):
        clock.start(when)
    assert quiet.time_at(0.0) == pytest.approx(ticking.time_at(0.0), abs=1e-6)
    assert quiet.time_at(0.0) > 3600.013
    for clock in (quiet, ticking):
        clock.set_bpm(90.0, 3601.0)
        clock.poll(3601.0)
    assert quiet.time_at(8.0) == pytest.approx(ticking.time_at(8.0), abs=1e-6)
    assert quiet.next_wakeup(3601.0) == math.inf
