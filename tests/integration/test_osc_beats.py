"""OSC clock messages from a running show, received by oscdump (liblo), not by our own code."""

from __future__ import annotations

import time

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalInput
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time

pytestmark = pytest.mark.jack


def test_internal_clock_beats_reach_oscdump_and_clock_goes_out_on_midi(jack_server, oscdump) -> None:  # noqa: ANN001
    config = parse_set(f'''
[clock]
source = "internal"
bpm = 240.0
output = "drumbridge clock out (osc test)"  # a name no other test's show can also be using

[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = {oscdump.port}
''')
    show = Show(config, RtMidiPorts(monotonic_time), monotonic_time)
    listener = ExternalInput("drumbridge clock out (osc test)", monotonic_time, client="fake-live")
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    try:
        beats = oscdump.wait_for(6, "/drumbridge/clock/beat", timeout=5.0)
    finally:
        runner.stop()
        deadline = time.monotonic() + 3.0  # the last MIDI bytes still have to cross JACK
        while time.monotonic() < deadline and not any(d == [0xFC] for d, _ in listener.received):
            time.sleep(0.01)
        received = listener.take()
        listener.close()
    assert [m.args for m in beats[:6]] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2)]
    assert oscdump.messages("/drumbridge/clock/transport")[0].args == ("start",)
    bpm = oscdump.messages("/drumbridge/clock/bpm")
    assert bpm and bpm[0].types == "f" and bpm[0].args[0] == pytest.approx(240.0)
    intervals = [b.received - a.received for a, b in zip(beats, beats[1:6])]
    assert all(abs(i - 0.25) < 0.05 for i in intervals), intervals
    data = [bytes(d) for d, _ in received]
    assert data.index(b"\xfa") < data.index(b"\xf8", data.index(b"\xfa"))
    assert data[-1] == b"\xfc"  # the show stopped its clock on the way out
    assert data.count(b"\xf8") >= 24 * 5
