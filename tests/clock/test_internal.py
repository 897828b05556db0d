"""The internal master clock: exact grid, clock bytes out, tempo changes without jumps."""

from __future__ import annotations

import math

import pytest

from bridge.clock.ephemera import Transport
from bridge.clock.internal import InternalClock
from bridge.midi.memory import MemoryOutput


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


def drive(clock: InternalClock, now: list[float], until: float, actions: dict[float, str] | None = None) -> int:
    """Step `clock` in virtual time (`now[0]`) as the engine does, running `actions` (time -> what) when due;
    returns how many times it woke."""
    actions = dict(actions or {})
    t, wakes = now[0], 0
    while t < until:
        now[0] = t
        for when in sorted(a for a in actions if a <= t):
            what = actions.pop(when)
            if what == "start":
                clock.start(t)
            elif what == "stop":
                clock.stop(t)
            else:
                clock.set_bpm(float(what), t)
        clock.poll(t)
        wakes += 1
        t = min([clock.next_wakeup(t), until, *actions])
    return wakes


def test_ahead_of_time_the_wire_is_the_same_with_a_quarter_of_the_wakes() -> None:
    """An output that sends on time by itself: ticks handed over in batches leave exactly when ticks sent
    one by one do, Start in front of beat 0, while the clock wakes ~12 times a second instead of 48."""
    wires, wakes = [], []
    for lookahead in (0.0, 0.1):
        now = [0.0]
        out = MemoryOutput("clock out", time_source=lambda: now[0], lookahead=lookahead)  # noqa: B023
        clock = InternalClock(120.0)
        clock.attach(out)
        wakes.append(drive(clock, now, 10.0, {1.003: "start", 6.01: "stop"}))
        wires.append([(t, data) for t, data in out.wire() if t < 10.0])  # sent ahead: some ticks are for later
    assert [data for _t, data in wires[1]] == [data for _t, data in wires[0]]
    assert [t for t, _data in wires[1]] == pytest.approx([t for t, _data in wires[0]], abs=1e-9)
    start = [data for _t, data in wires[1]].index([0xFA])
    assert wires[1][start + 1][1] == [0xF8] and wires[1][start + 1][0] > 1.003  # the tick after Start is beat 0
    assert wakes[0] > 470 and wakes[1] < 130  # 48 a second, against ~12 (one per 2/3 of the lookahead)


@pytest.mark.parametrize("changes", [{1.01: 150.0}, {1.01: 126.0, 1.02: 133.0, 1.045: 141.0, 1.06: 150.0}],
                         ids=["one change", "a fader sweep"])
def test_ahead_of_time_a_tempo_change_keeps_24_ticks_to_the_beat(changes: dict[float, float]) -> None:
    """Ticks already handed over keep the old tempo, so the change lands after them: each tick on the
    wire is at the time the clock gives its beat when it leaves, before, across and after the change,
    also when the tempo moves again before the last change has landed (a fader sent over OSC)."""
    now = [0.0]
    out = MemoryOutput("clock out", time_source=lambda: now[0], lookahead=0.1)
    clock = InternalClock(120.0)
    clock.attach(out)
    clock.poll(0.0)
    clock.start(0.0)
    beats: dict[float, float] = {}  # tick time -> the clock's beat for it, asked when the tick is due
    t = 0.0
    while t < 2.0:
        now[0] = t
        for when in [w for w in changes if w <= t]:
            clock.set_bpm(changes.pop(when), t)
        clock.poll(t)
        for when, data in out.sent:
            if data == [0xF8] and when <= t and when not in beats:
                beats[when] = clock.beat_at(when)
        t = min(clock.next_wakeup(t), 2.0, *changes, *[w for w, _d in out.sent if w > t])
    ticks = sorted(beats)
    assert ticks[0] == 0.0 and len(ticks) > 48 + 10
    assert [beats[k] for k in ticks] == pytest.approx([k / 24 for k in range(len(ticks))], abs=1e-9)
    assert clock.bpm == 150.0 and ticks[-1] - ticks[-2] == pytest.approx(60 / 150 / 24)
