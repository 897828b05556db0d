"""A whole show in virtual time: recorded clock in, engine stepped by run_virtual, no real ports, no sleeping."""

from __future__ import annotations

import pytest

from bridge.midi.factory import MemoryPorts
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime
from tests.clock.ticks import tick_times


def follower_show() -> tuple[Show, MemoryPorts, ManualTime]:
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set('[clock]\nsource = "midi"\n'), ports, time)
    return show, ports, time


def test_an_hour_of_clock_runs_in_virtual_time_without_losing_a_beat() -> None:
    show, _ports, time = follower_show()
    _, ticks = tick_times(lambda b: 120.0, beats=120 * 60, jitter_s=0.001, seed=9, start=0.1)
    inputs = [(0.05, "drumbridge clock", [0xFA])] + [(t, "drumbridge clock", [0xF8]) for t in ticks]
    beats: list[float] = []
    show.engine.scheduler.schedule(0.0, lambda m: (beats.append(m.beat), m.beat + 1)[1])
    run_virtual(show.engine, time, until=ticks[-1] + 0.001, inputs=inputs)
    assert len(beats) == 120 * 60
    assert show.telemetry.get("clock")["bpm"] == pytest.approx(120.0, abs=0.05)
    assert show.engine.clock.dropped_ticks == 0


def test_stop_from_live_silences_every_output() -> None:
    show, ports, time = follower_show()
    out = show.open_output("drumbridge test out")
    _, ticks = tick_times(lambda b: 120.0, beats=2, start=0.1)
    inputs = [(0.05, "drumbridge clock", [0xFA])] + [(t, "drumbridge clock", [0xF8]) for t in ticks]
    show.engine.scheduler.schedule(1.0, lambda m: out.send([0x91, 38, 90]))
    inputs.append((ticks[-1] + 0.01, "drumbridge clock", [0xFC]))
    run_virtual(show.engine, time, until=ticks[-1] + 0.05, inputs=inputs)
    sent = [data for _, data in ports.outputs["drumbridge test out"].sent]
    assert sent == [[0x91, 38, 90], [0x81, 38, 0], [0xB1, 123, 0]]


def test_commands_run_on_the_engine_thread_and_are_checked_at_once() -> None:
    time = ManualTime()
    show = Show(parse_set('[clock]\nsource = "internal"\nautostart = false\n'), MemoryPorts(time), time)
    run_virtual(show.engine, time, until=0.5)
    assert show.engine.clock.transport.value == "stopped"
    show.commands.submit("transport", "start")
    assert show.engine.clock.transport.value == "stopped"  # not yet: it runs at the next step
    run_virtual(show.engine, time, until=1.0)
    assert show.engine.clock.transport.value == "running"
    with pytest.raises(ValueError, match="unknown command 'explode'"):
        show.commands.submit("explode")
    with pytest.raises(ValueError, match=r"transport\(action\)"):
        show.commands.submit("transport")


def test_an_idle_show_wakes_the_engine_once_per_clock_tick_and_telemetry_rides_along() -> None:
    """Telemetry (10 a second) runs on the wake-ups the MIDI clock out makes anyway (48 a second at 120 BPM)."""
    time = ManualTime()
    show = Show(parse_set('[clock]\nsource = "internal"\nbpm = 120\n'), MemoryPorts(time), time)
    steps, publishes = [], []
    step, publish = show.engine.step, show.engine.publish
    show.engine.step = lambda now: (steps.append(now), step(now))[1]  # type: ignore[method-assign]
    show.engine.publish = lambda now: (publishes.append(now), publish(now))[1]  # type: ignore[method-assign]
    run_virtual(show.engine, time, until=10.0)
    assert len(steps) <= 10 * 48 + 2  # not 48 ticks plus 10 publishes a second
    assert 99 <= len(publishes) <= 102
    assert max(b - a for a, b in zip(publishes, publishes[1:])) < 0.1 + 0.025
