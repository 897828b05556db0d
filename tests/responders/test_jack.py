"""On a real JACK server: Live's clock and a call go into `drumbridge drums in`, the answer comes out on the bar."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalInput, ExternalOutput
from bridge.responders.loader import with_models
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.responders.fakes import ToyHeld
from tests.waiting import wait_until

pytestmark = pytest.mark.jack

BPM = 240.0
TICK = 60.0 / (BPM * 24)
SET = f"""
[clock]
source = "midi"
bpm = {BPM}

[[responders]]
name = "drums"
model = "test:jack-toy"
call_bars = 1
answer_bars = 2
"""


class LiveFake:
    """Plays Live's part: MIDI clock + Start into `drumbridge clock`, a call into `drumbridge drums in`."""

    def __init__(self, beats: int, call: list[tuple[float, int]], clock_port: str = "drumbridge clock",
                 call_port: str = "drumbridge drums in") -> None:
        self.clock = ExternalOutput(clock_port, client="live-clock")
        self.calls = ExternalOutput(call_port, client="live-track")
        self.beats = beats
        self.call = call
        self.tick_times: list[float] = []  # when each tick had been sent
        self.start = 0.0  # when the first tick was due
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.start = start = time.monotonic() + 0.3
        events = [(start - 0.002, self.clock, [0xFA], False)]
        events += [(start + i * TICK, self.clock, [0xF8], True) for i in range(self.beats * 24)]
        for beat, pitch in self.call:
            events.append((start + beat * 24 * TICK + 0.003, self.calls, [0x99, pitch, 100], False))
            events.append((start + beat * 24 * TICK + 0.040, self.calls, [0x89, pitch, 0], False))
        events.sort(key=lambda e: e[0])
        for when, port, data, is_tick in events:
            while (wait := when - time.monotonic()) > 0:
                time.sleep(min(wait, 0.002))  # an external clock source keeping its own time
            port.send(data)
            if is_tick:
                self.tick_times.append(time.monotonic())

    def grid(self, tick: int) -> float:
        """When Live's grid put tick `tick` on the wire: its due time plus the sender's typical delay.

        One tick's own send time is no reference: a fake whose thread is held up a few ms (a busy
        2-core machine) sends that tick late, while the show, fitting a line through all ticks, is not.
        """
        lateness = [t - (self.start + k * TICK) for k, t in enumerate(self.tick_times)]
        return self.start + tick * TICK + statistics.median(lateness)

    def send_now(self, data: list[int]) -> None:
        self.calls.send(data)

    def close(self) -> None:
        self.clock.close()
        self.calls.close()


@pytest.fixture
def running_show(jack_server: object) -> Iterator[Show]:
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time,
                models=with_models({"test:jack-toy": ToyHeld}))
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    try:
        yield show
    finally:
        runner.stop()


def all_notes_ended(listener: ExternalInput) -> bool:
    """Whether every note-on the listener has heard so far has been followed by its note-off."""
    sounding: set[int] = set()
    for data, _t in list(listener.received):
        if data[0] & 0xF0 == 0x90 and data[2] > 0:
            sounding.add(data[1])
        elif data[0] & 0xF0 in (0x80, 0x90):
            sounding.discard(data[1])
    return not sounding


def test_answer_arrives_on_the_next_bar_line_with_note_offs(running_show: Show) -> None:
    listener = ExternalInput("drumbridge drums out", monotonic_time, client="live-answer")
    live = LiveFake(beats=13, call=[(0, 36), (1, 38), (2, 36), (3, 38)])
    try:
        live.thread.start()
        live.thread.join(timeout=20)
        wait_until(lambda: listener.received and all_notes_ended(listener))  # the last note-offs cross JACK
        received = listener.take()
    finally:
        listener.close()
        live.close()
    ons = [(t, d) for d, t in received if d[0] == 0x99 and d[2] > 0]
    offs = [(t, d) for d, t in received if d[0] == 0x89 or (d[0] == 0x99 and d[2] == 0)]
    assert ons, f"no answer came out; telemetry: {running_show.telemetry.get('responder.drums')}"
    bar_line = live.grid(4 * 24)  # the answer starts on beat 4, the bar after the 1-bar call
    first = ons[0][0]
    # a JACK period (1.3 ms) plus the engine thread's wake-up on a busy 2-core machine; a 16th is 62.5 ms
    tolerance = 0.008
    assert abs(first - bar_line) < tolerance, f"first answer note {1000 * (first - bar_line):.2f} ms from the bar line"
    for t, _d in ons:  # every note on the 16th grid of the answer's two bars
        steps = (t - bar_line) / (6 * TICK)
        assert -0.01 < steps < 32 and abs(steps - round(steps)) < tolerance / (6 * TICK)
    assert sorted(d[1] for _t, d in ons) == sorted(d[1] for _t, d in offs)  # each note-on got its note-off
    held_off = next(t for t, d in offs if d[1] == ons[0][1][1])
    assert abs(held_off - bar_line - 0.9 * 2 * 24 * TICK) < tolerance  # the held note lasts 90 % of its 2 beats
    state = running_show.telemetry.get("responder.drums")
    assert state["late"] == 0 and state["margin_ms"] > 0


def test_panic_cc_silences_the_answer_at_once(running_show: Show) -> None:
    listener = ExternalInput("drumbridge drums out", monotonic_time, client="live-answer")
    live = LiveFake(beats=10, call=[(0, 36), (0.5, 42), (1, 38), (1.5, 42), (2, 36), (3, 38)])
    try:
        live.thread.start()
        wait_until(lambda: len(live.tick_times) >= 4 * 24 + 6, 20.0, interval=0.001)  # a quarter beat into the answer
        panic_at = time.monotonic()
        live.send_now([0xB9, 123, 0])
        live.thread.join(timeout=20)
        wait_until(lambda: all_notes_ended(listener))  # the panic's note-offs cross JACK
        received = listener.take()
    finally:
        listener.close()
        live.close()
    before = [d for d, t in received if t < panic_at and d[0] == 0x99 and d[2] > 0]
    after_on = [d for d, t in received if t > panic_at + 0.01 and d[0] == 0x99 and d[2] > 0]
    offs = [(t, d) for d, t in received if t >= panic_at and d[0] == 0x89]
    assert before, "the answer had started before the panic"
    assert after_on == []
    sounding_at_panic = {d[1] for d in before} - {d[1] for d, t in received if t < panic_at and d[0] == 0x89}
    assert sounding_at_panic, "the held first note was sounding when the panic came"
    assert sounding_at_panic <= {d[1] for _t, d in offs}
    assert all(t - panic_at < 0.01 for t, _d in offs[:len(sounding_at_panic)])
    assert running_show.responders[0].state.value == "idle"
