"""Link faults on a real pty (socat) with a fake board speaking the protocol: a hung board, an unknown protocol."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bridge.clock.internal import InternalClock
from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig
from bridge.drum.drum import Drum
from bridge.drum.transport import SerialTransport
from bridge.engine import Engine
from bridge.runner import RealtimeRunner
from bridge.telemetry import Telemetry
from tests.drum.fake_board import FakeBoard
from tests.rig.socat import SocatCable
from tests.waiting import wait_until


@dataclass
class Link:
    drum: Drum
    engine: Engine
    transport: SerialTransport
    telemetry: Telemetry

    def state(self) -> dict:
        return self.telemetry.get("drum")

    def messages(self, level: str) -> list[str]:
        return [e.message for e in self.telemetry.recent(level)]


@pytest.fixture
def link(socat_cable: SocatCable) -> Iterator[Link]:
    telemetry = Telemetry()
    engine = Engine(InternalClock(120.0), telemetry)
    transport = SerialTransport(str(socat_cable.a), p.BAUD)
    drum = Drum(DrumConfig(serial=str(socat_cable.a)), engine.scheduler, transport, telemetry, time.monotonic)
    transport.notify = lambda: engine.post_command(drum.service)
    engine.add(drum)
    runner = RealtimeRunner(engine, time.monotonic)
    runner.start()
    try:
        yield Link(drum, engine, transport, telemetry)
    finally:
        runner.stop()


def test_a_board_that_answers_hello_then_goes_silent_is_dropped_and_reconnected(
        link: Link, socat_cable: SocatCable) -> None:
    board = FakeBoard(socat_cable.b)
    try:
        wait_until(lambda: link.state().get("firmware") == "1.0.0" and link.state().get("link_state") == "connected")
        assert board.wait(lambda b: b.commands(p.CMD_STATUS_GET))  # polled once a second, answered
        board.silent.set()  # hung: still reads the port, never answers
        polls = len(board.commands(p.CMD_STATUS_GET))
        assert board.wait(lambda b: len(b.commands(p.CMD_STATUS_GET)) > polls, 3.0)
        wait_until(lambda: "board silent for 1.0 s: reconnecting" in link.messages("warning"), 3.0)
        wait_until(lambda: link.transport.stats.connects == 2, 2.0)  # closed and opened again, as on a replug
        wait_until(lambda: link.state().get("link_state") == "silent", 2.0)
        hellos = len(board.commands(p.CMD_HELLO))
        board.silent.clear()  # the board recovers: the next hello retry is answered
        wait_until(lambda: link.state().get("link_state") == "connected", 3.0)
        assert len(board.commands(p.CMD_HELLO)) > hellos and link.transport.stats.connects == 2
    finally:
        board.close()


def test_a_board_speaking_an_unknown_protocol_is_refused(link: Link, socat_cable: SocatCable) -> None:
    board = FakeBoard(socat_cable.b, protocol=99)
    try:
        wait_until(lambda: link.state().get("link_state") == "refused", 3.0)
        errors = [m for m in link.messages("error") if "protocol 99" in m]
        assert len(errors) == 1 and "protocol 1" in errors[0] and "make -C firmware flash" in errors[0], errors
        # nothing that drives it: no map, no calibration, no notes, no status polls
        for _ in range(3):
            link.engine.post_command(lambda: link.drum.hit_now(36, 100))
        wait_until(lambda: link.state().get("dropped_notes") == 3, 2.0)
        assert link.state().get("firmware") == "1.0.0"  # what it said it is, for the dashboard
        heartbeats = len(board.heartbeats)
        assert board.wait(lambda b: len(b.heartbeats) >= heartbeats + 12, 3.0)  # > 1 s of the show going on
        assert {body[0] for _, body in board.sysex} == {p.CMD_HELLO}
        assert board.notes == []
        assert [m for m in link.messages("error") if "protocol 99" in m] == errors  # said once
    finally:
        board.close()
