"""The drum inside a show: input port routing, responder hook, OSC hook, commands; in virtual time."""

from __future__ import annotations

import pytest

from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig, MotorConfig
from bridge.drum.transport import MemoryTransport
from bridge.drum.wiring import connect_responder, wire_drum
from bridge.midi.factory import MemoryPorts
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime

REBOOT = bytes.fromhex("F0 7D 70 01 01 00 00 04 00 04 00 F7")  # brown-out


def make_show(drum: DrumConfig) -> tuple[Show, MemoryTransport, MemoryPorts, ManualTime]:
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set('[clock]\nsource = "internal"\nbpm = 120\n'), ports, time)
    link = MemoryTransport(time_source=time)
    show.drum = wire_drum(show, drum, link)
    return show, link, ports, time


def test_input_port_notes_strike_now_and_reach_the_osc_hook() -> None:
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set('[clock]\nsource = "internal"\n'), ports, time)
    osc_hits: list[tuple[str, float, float | None]] = []
    show.osc.drum_hit = lambda voice, velocity, beat: osc_hits.append((voice, velocity, beat))  # type: ignore[attr-defined]
    link = MemoryTransport(time_source=time)
    drum = wire_drum(show, DrumConfig(channel=10), link)
    link.plug()
    run_virtual(show.engine, time, 1.0, inputs=[(0.5, "drumbridge drum in", [0x99, 36, 127]),
                                                (0.6, "drumbridge drum in", [0x90, 38, 127]),  # channel 1: ignored
                                                (0.7, "drumbridge drum in", [0x99, 38, 0])])  # note-off
    notes = [(t, b) for t, b in link.written if b[0] == 0x99]
    assert notes == [(0.5, bytes((0x99, 36, 127)))]
    assert osc_hits == [("kick", 1.0, pytest.approx(show.clock.beat_at(0.5 + 0.015)))]  # lands 15 ms later
    assert drum.motors[0].strikes == 1


def test_responder_answers_go_through_play() -> None:
    class Responder:
        name = "drums"

        def __init__(self) -> None:
            self.listeners: list = []

        def add_note_listener(self, fn) -> None:  # noqa: ANN001
            self.listeners.append(fn)

    show, link, _ports, time = make_show(DrumConfig(input="drums"))
    responder = Responder()
    connect_responder(responder, show.drum)  # type: ignore[arg-type]
    link.plug()
    run_virtual(show.engine, time, 0.1)
    responder.listeners[0](38, 90, 2.0)  # the responder knows the note a beat ahead
    run_virtual(show.engine, time, 1.5)
    expected = show.clock.time_at(2.0) - 0.015  # the board's default latency
    assert [(t, b) for t, b in link.written if b[0] == 0x99] == [(pytest.approx(expected), bytes((0x99, 38, 90)))]

    class Silent:
        name = "mute"

    with pytest.raises(TypeError, match="note listener hook"):
        connect_responder(Silent(), show.drum)  # type: ignore[arg-type]


def test_commands_and_runtime_calibration_survive_a_reboot() -> None:
    show, link, _ports, time = make_show(DrumConfig(motors=[MotorConfig(motor=0, notes=[36])]))
    link.plug()
    link.receive(bytes.fromhex("F0 7D 41 01 01 00 00 04 00 F7"))  # hello answered
    run_virtual(show.engine, time, 0.1)
    show.commands.submit("drum.calibrate", 1, 40, None, 35, 22)
    show.commands.submit("drum.test", 1, 100)
    run_virtual(show.engine, time, 0.2)
    tuned = p.cal_set(1, p.Calibration(forward_ms=40, back_ms=35, latency_ms=22))
    assert link.written.count((pytest.approx(0.1, abs=0.1), tuned)) == 1
    assert show.drum.motors[1].latency == pytest.approx(0.022)
    time.set(5.0)
    link.receive(REBOOT)
    run_virtual(show.engine, time, 5.1)
    assert sum(1 for _, b in link.written if b == tuned) == 2  # pushed again after the brown-out
    assert show.drum.reboots == 1
    assert sum(1 for _, b in link.written if b == p.cal_get(0)) == 2  # motor 0's timings: the board's own
    with pytest.raises(Exception, match="forward_ms"):
        show.drum.calibrate(0, forward_ms=5000)
    show.engine.publish(5.1)
    assert "drum" in show.telemetry.snapshot()["state"]


def test_show_without_drum_section_has_no_drum() -> None:
    time = ManualTime()
    show = Show(parse_set(""), MemoryPorts(time), time)
    assert show.drum is None and "drum.test" not in {s.name for s in show.commands.specs()}
