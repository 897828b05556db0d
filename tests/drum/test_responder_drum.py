"""A responder's answers strike the drum (and reach OSC): runs once the responders part is merged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bridge.midi.factory import MemoryPorts
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from tests.drum.fake_board import FakeBoard
from tests.rig.oscdump import OscDump
from tests.rig.socat import SocatCable

pytest.importorskip("bridge.responders.wiring", reason="the responders part is not merged in this checkout")
BUNDLE = Path(__file__).resolve().parents[1] / "models" / "data" / "bundles" / "drum_kit_small_first.mag"

SET = """
[clock]
source = "internal"
bpm = 120
[[osc.targets]]
name = "vj"
host = "127.0.0.1"
port = {osc_port}
[[responders]]
name = "drums"
model = "{bundle}"
call_bars = 2
answer_bars = 2
seed = 1
channel = 10
[responders.demo_call]
phrase = "rock"
every_bars = 4
[drum]
serial = "{serial}"
input = "drums"
"""


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLE.exists(), reason="the models part's test bundles are not in this checkout")
def test_responder_answers_strike_the_drum_ahead_of_the_beat(socat_cable: SocatCable, oscdump: OscDump) -> None:
    from bridge.show import Show

    config = parse_set(SET.format(osc_port=oscdump.port, bundle=BUNDLE, serial=socat_cable.a))
    show = Show(config, MemoryPorts(), time.monotonic)
    board = FakeBoard(socat_cable.b)
    runner = RealtimeRunner(show.engine)
    runner.start()
    try:
        # call on bars 1-2 (0-4 s at 120 BPM), answer on bars 3-4
        assert board.wait(lambda b: len(b.notes) >= 3, 9.0), "no answer note reached the board"
    finally:
        runner.stop()
    try:
        sent = sum(m.strikes for m in show.drum.motors)
        assert board.wait(lambda b: len(b.notes) == sent, 2.0), (sent, len(board.notes))
    finally:
        board.close()
    assert {n for _t, _ch, n, _v in board.notes} <= {36, 38}
    assert show.drum.late == 0
    assert show.drum.dropped_notes == 0
    if hasattr(show.osc, "drum_hit"):
        assert [m for m in oscdump.messages() if m.address.startswith("/drumbridge/drum/")]
