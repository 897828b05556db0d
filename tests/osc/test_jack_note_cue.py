"""A note played into a real JACK MIDI port fires a note cue that oscdump receives."""

from __future__ import annotations

import time

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalOutput
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time

pytestmark = pytest.mark.jack


def test_note_on_a_jack_port_fires_its_cue(jack_server, oscdump) -> None:  # noqa: ANN001
    config = parse_set(f"""
[clock]
source = "internal"
[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = {oscdump.port}
send = ["cue"]
[[osc.cues]]
name = "kick"
note = {{ source = "drumbridge pads in", notes = [36, 36] }}
args = [{{ map = "velocity", to = [0.0, 1.0] }}, {{ map = "note" }}]
""")
    show = Show(config, RtMidiPorts(monotonic_time), monotonic_time)
    show.open_input("drumbridge pads in")
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    player = ExternalOutput("drumbridge pads in", client="fake-pads")
    try:
        sent = time.monotonic()
        player.send([0x90, 36, 127])
        player.send([0x90, 40, 127])  # not in the cue's range
        player.send([0x80, 36, 0])
        cues = oscdump.wait_for(1, "/drumbridge/cue/kick", timeout=5.0)
        time.sleep(0.1)  # anything else that might (wrongly) arrive
    finally:
        player.close()
        runner.stop()
    assert [m.args for m in oscdump.messages("/drumbridge/cue/kick")] == [(1.0, 36)]
    assert cues[0].received - sent < 0.5  # at once, not on some later beat (loose for a busy machine)
    assert oscdump.messages("/drumbridge/clock/beat") == []
