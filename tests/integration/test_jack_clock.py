"""Live's clock over a real JACK server: a jittered 0xF8 stream into `drumbridge clock`, followed by the engine."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bridge.clock.ephemera import ClockStatus, Transport
from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalOutput
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.waiting import wait_until

pytestmark = pytest.mark.jack


class FakeLive:
    """Plays Ableton's part: sends MIDI clock in real time into drumbridge's clock port."""

    def __init__(self, port: str, bpm: float, jitter_s: float, seed: int) -> None:
        self.out = ExternalOutput(port, client="fake-live")
        self.period = 60.0 / bpm / 24
        self.jitter_s = jitter_s
        self.rng = np.random.default_rng(seed)

    def play_ticks(self, count: int) -> None:
        """Send `count` ticks paced by the wall clock (this is the fake DAW's own timing)."""
        start = time.monotonic()
        for k in range(count):
            due = start + k * self.period + float(self.rng.uniform(-self.jitter_s, self.jitter_s))
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.out.send([0xF8])

    def close(self) -> None:
        self.out.close()


@pytest.fixture
def follower_show(jack_server):  # noqa: ANN001, ANN201
    config = parse_set('[clock]\nsource = "midi"\nport = "drumbridge clock"\nbpm = 100\n')
    show = Show(config, RtMidiPorts(monotonic_time), monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    live = FakeLive("drumbridge clock", bpm=120.0, jitter_s=0.001, seed=4)
    try:
        yield show, live
    finally:
        live.close()
        runner.stop()


def test_follows_tempo_beats_and_transport_over_jack(follower_show) -> None:  # noqa: ANN001
    show, live = follower_show
    clock = show.engine.clock
    live.out.send([0xFA])  # Start
    live.play_ticks(24 * 6)  # six beats at 120 BPM
    wait_until(lambda: clock.ticks == 24 * 6)
    assert clock.transport is Transport.RUNNING
    assert clock.status is ClockStatus.LOCKED
    assert clock.bpm == pytest.approx(120.0, abs=0.3)
    assert clock.beat_at(time.monotonic()) == pytest.approx(6.0, abs=0.15)
    assert clock.dropped_ticks == 0

    # No more ticks while running: stalled, and nothing gets scheduled into the void.
    wait_until(lambda: show.telemetry.get("clock").get("status") == "stalled", timeout=1.0)

    live.out.send([0xFC])  # Stop
    wait_until(lambda: clock.transport is Transport.STOPPED)
    live.out.send([0xF2, 16, 0])  # Song Position Pointer: sixteenth 16 = beat 4
    wait_until(lambda: clock.beat_at(time.monotonic()) == 4.0)
    live.out.send([0xFB])  # Continue
    live.play_ticks(24)
    wait_until(lambda: clock.transport is Transport.RUNNING)
    assert clock.beat_at(time.monotonic()) == pytest.approx(5.0, abs=0.15)
    kinds = [e.message for e in show.telemetry.recent() if e.source == "clock"]
    assert kinds == ["transport start at beat 0", "transport stop at beat 6", "transport continue at beat 4"]


def test_corrupt_bytes_on_an_input_are_counted_not_fatal(follower_show) -> None:  # noqa: ANN001
    show, live = follower_show
    received: list[object] = []
    show.engine.route("drumbridge clock", lambda message, t: received.append(message))
    live.out.send([0x90, 60, 100])
    wait_until(lambda: len(received) == 1)
    show.engine.post_midi("drumbridge clock", [0x90, 200], time.monotonic())  # truncated, bad data byte
    wait_until(lambda: show.engine.midi_errors == 1)
    live.out.send([0x80, 60, 0])
    wait_until(lambda: len(received) == 2)
