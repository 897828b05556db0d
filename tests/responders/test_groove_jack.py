"""On a real JACK server: a grooved drum answer's offsets from the grid reach the MIDI output within ±2 ms."""

from __future__ import annotations

import statistics
import time

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalInput
from bridge.responders.loader import with_models
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.responders.fakes import ToyDrums
from tests.responders.test_jack import BPM, TICK, LiveFake

pytestmark = pytest.mark.jack

SET = f"""
[clock]
source = "midi"
bpm = {BPM}

[[responders]]
name = "drums"
model = "test:jack-groove"
call_bars = 1
answer_bars = 2
temperature = 2.5
groove = "builtin:groove"
"""


def test_grooved_offsets_reach_the_midi_output(jack_server: object) -> None:
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time,
                models=with_models({"test:jack-groove": ToyDrums}))
    planned: list[tuple[int, int, float]] = []  # (pitch, velocity, beat) as the scheduler was told
    show.responders[0].add_note_listener(lambda pitch, velocity, beat: planned.append((pitch, velocity, beat)))
    answers: list = []
    show.responders[0].answer_listeners.append(answers.append)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    listener = ExternalInput("drumbridge drums out", monotonic_time, client="live-answer")
    live = LiveFake(beats=13, call=[(0, 36), (0.5, 42), (1, 38), (1.5, 42), (2, 36), (2.5, 42), (3, 38)])
    try:
        live.thread.start()
        live.thread.join(timeout=20)
        time.sleep(0.05)  # the last notes are on their way through JACK
        received = listener.take()
    finally:
        listener.close()
        live.close()
        runner.stop()
    ons = sorted((t, d[1], d[2]) for d, t in received if d[0] == 0x99 and d[2] > 0)
    assert len(ons) == len(planned) > 6, f"answer notes {len(ons)}, planned {len(planned)}"
    # each hit stays on its 16th: the answer's (step, pitch) pairs are where the grooved notes went
    assert sorted((n.step, n.pitch) for n in answers[0].answer.notes if n.step < 32) == \
        sorted((round((beat - 4.0) * 4), p) for p, _v, beat in planned)
    step_seconds = 6 * TICK
    errors = []
    offsets = []
    for (t, pitch, velocity), (p, v, beat) in zip(ons, sorted(planned, key=lambda n: n[2])):
        assert (pitch, velocity) == (p, v)  # the groove's velocity is what goes out
        steps = (beat - 4.0) * 4  # the answer starts on beat 4, the bar after the 1-bar call
        step = round(steps)
        offsets.append(steps - step)
        grid = live.grid(4 * 24 + 6 * step)  # when Live's clock put that 16th on the wire
        errors.append((t - grid) - (steps - step) * step_seconds)
    assert sum(abs(x) * step_seconds > 0.004 for x in offsets) > len(offsets) / 2  # really off the grid
    latency = statistics.median(errors)
    assert abs(latency) < 0.008, f"answer {1000 * latency:.2f} ms from Live's grid"
    deviations = [abs(e - latency) for e in errors]
    within = sum(d < 0.002 for d in deviations)
    # ±2 ms is under two JACK periods; on this shared 2-core machine a note now and then waits for the
    # engine thread (as the un-grooved answers in test_jack do), so allow one in ten, and none beyond 8 ms
    assert within >= 0.9 * len(errors), f"offsets off by {[round(1000 * d, 2) for d in deviations]} ms"
    assert max(deviations) < 0.008, f"an offset arrived {1000 * max(deviations):.2f} ms from where the groove put it"
