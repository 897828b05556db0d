"""The real path: Live-like MIDI into `drumbridge drum in` on JACK → the show → serial bytes on a socat pty."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bridge.drum import protocol as p
from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalOutput
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from tests.drum.fake_board import FakeBoard
from tests.rig.socat import SocatCable
from tests.waiting import wait_until

pytestmark = pytest.mark.jack

SET = """
name = "drum rig test"
[clock]
source = "internal"
bpm = 120
[drum]
serial = "{port}"
input = "drumbridge drum in"
[[drum.motors]]
motor = 0
name = "kick"
notes = [36]
forward_ms = 35
latency_ms = 20
[[drum.motors]]
motor = 1
name = "snare"
notes = [38, 40]
"""


@pytest.fixture
def show(jack_server: object, socat_cable: SocatCable) -> Iterator[Show]:
    config = parse_set(SET.format(port=socat_cable.a))
    show = Show(config, RtMidiPorts(), time.monotonic)
    runner = RealtimeRunner(show.engine)
    show.runner = runner  # type: ignore[attr-defined]
    runner.start()
    try:
        yield show
    finally:
        runner.stop()


def drum_state(show: Show) -> dict:
    return show.telemetry.get("drum")


def test_notes_from_jack_come_out_as_midi_bytes_and_heartbeat_keeps_cadence(
        show: Show, socat_cable: SocatCable) -> None:
    board = FakeBoard(socat_cable.b)
    try:
        assert board.wait(lambda b: b.commands(p.CMD_CAL_SET), 3.0), "calibration never pushed"
        # hello answer and boot notice may both arrive on a fresh connection: pushed once or twice, same bytes
        assert set(board.commands(p.CMD_MAP_SET)) == {p.encode_map(p.NoteMap({36: 0, 38: 1, 40: 1}))}
        assert board.commands(p.CMD_CAL_SET)[0] == bytes((0,)) + p.encode_calibration(
            p.Calibration(forward_ms=35, latency_ms=20))
        live = ExternalOutput("drumbridge drum in")
        try:
            for note, velocity in ((36, 100), (38, 90), (42, 80), (40, 70)):
                live.send([0x99, note, velocity])
                time.sleep(0.12)  # a player's pace: 38 and 40 share a motor, which refuses re-strikes too soon
        finally:
            live.close()
        assert board.wait(lambda b: len(b.notes) >= 3)
        assert [(ch, n, v) for _, ch, n, v in board.notes] == [(9, 36, 100), (9, 38, 90), (9, 40, 70)]
        board.heartbeats.clear()
        board.wait(lambda b: len(b.heartbeats) >= 10, 3.0)
        beats = list(board.heartbeats)[:10]
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        # every 100 ms on average, and never near the firmware's 300 ms all-off timeout (a busy machine may
        # delay one beat; the scheduler keeps the cadence, so the next one comes early)
        assert len(beats) == 10 and 0.08 < (beats[-1] - beats[0]) / 9 < 0.12 and max(gaps) < 0.25, gaps
        state = drum_state(show)
        assert state["link_state"] == "connected" and state["firmware"] == "1.0.0"
        assert state["unmapped_notes"] == 1
        assert state["motors"][0]["voice"] == "kick" and state["motors"][0]["latency_ms"] == 20
    finally:
        board.close()


def test_unplug_drops_notes_and_replug_reconnects_within_a_second(show: Show, socat_cable: SocatCable) -> None:
    board = FakeBoard(socat_cable.b)
    wait_until(lambda: drum_state(show).get("firmware") == "1.0.0")
    board.close()
    socat_cable.stop()
    wait_until(lambda: drum_state(show).get("link_state") == "searching", 2.0)
    for _ in range(5):
        show.engine.post_command(lambda: show.drum.hit_now(36, 100))
    wait_until(lambda: drum_state(show).get("dropped_notes") == 5, 2.0)
    assert drum_state(show)["errors"] >= 1

    replugged = time.monotonic()
    socat_cable.start()
    board = FakeBoard(socat_cable.b, boot=False)
    try:
        wait_until(lambda: drum_state(show).get("link_state") == "connected", 1.0)
        assert time.monotonic() - replugged < 1.0
        # a fresh connection says hello, then pushes the set file's calibration again
        assert board.wait(lambda b: b.commands(p.CMD_CAL_SET), 2.0)
        assert board.notes == []  # nothing from while it was gone
        show.engine.post_command(lambda: show.drum.hit_now(38, 64))
        assert board.wait(lambda b: len(b.notes) == 1)
    finally:
        board.close()


def test_reboot_notice_pushes_calibration_again(show: Show, socat_cable: SocatCable) -> None:
    show.drum.board.boot_grace = 0.3  # the fake does not reset when its port opens
    board = FakeBoard(socat_cable.b)
    try:
        assert board.wait(lambda b: b.commands(p.CMD_CAL_SET) and b.cal[0].forward_ms == 35, 3.0)
        time.sleep(0.4)
        pushes = len(board.commands(p.CMD_CAL_SET))
        assert drum_state(show)["reboots"] == 0
        board.reboot()  # watchdog reset: defaults back in RAM
        assert board.cal[0].forward_ms == 30
        assert board.wait(lambda b: len(b.commands(p.CMD_CAL_SET)) == pushes + 1, 2.0), board.commands(p.CMD_CAL_SET)
        assert board.cal[0].forward_ms == 35 and board.note_map.notes == {36: 0, 38: 1, 40: 1}
        wait_until(lambda: drum_state(show).get("reboots") == 1)
        assert drum_state(show)["last_reset"] == "watchdog"
    finally:
        board.close()


def test_drum_commands_reach_the_board(show: Show, socat_cable: SocatCable) -> None:
    board = FakeBoard(socat_cable.b)
    try:
        wait_until(lambda: drum_state(show).get("firmware") == "1.0.0")
        show.commands.submit("drum.test", 2, 77)
        show.commands.submit("drum.calibrate", 1, 40, 10, 45)
        assert board.wait(lambda b: b.commands(p.CMD_TEST_STRIKE) == [bytes((2, 77))])
        assert board.wait(lambda b: b.cal[1].forward_ms == 40 and b.cal[1].back_ms == 45)
        wait_until(lambda: drum_state(show)["motors"][2]["strikes"] == 1)
        show.commands.submit("drum.reconnect")
        wait_until(lambda: len(board.commands(p.CMD_HELLO)) >= 2, 2.0)
    finally:
        board.close()
