"""The drum component in virtual time: heartbeat cadence, latency compensation, drops, reboots, guards."""

from __future__ import annotations

import math

import pytest

from bridge.clock.internal import InternalClock
from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig, MotorConfig
from bridge.drum.drum import Drum, DrumHit
from bridge.drum.transport import MemoryTransport
from bridge.engine import Engine
from bridge.runner import run_virtual
from bridge.telemetry import Telemetry
from bridge.timebase import ManualTime

BOOT = bytes.fromhex("F0 7D 70 01 01 00 00 01 00 04 00 F7")  # power-on, EEPROM loaded
REBOOT = bytes.fromhex("F0 7D 70 01 01 00 00 08 00 04 00 F7")  # watchdog
HELLO = bytes.fromhex("F0 7D 41 01 01 00 00 04 00 F7")


class Rig:
    """An engine at 120 BPM (internal clock, started at t=0) with a drum on a memory transport."""

    def __init__(self, config: DrumConfig | None = None, plugged: bool = True) -> None:
        self.time = ManualTime()
        self.clock = InternalClock(120.0)
        self.engine = Engine(self.clock, Telemetry())
        self.link = MemoryTransport(time_source=self.time)
        self.drum = Drum(config or DrumConfig(), self.engine.scheduler, self.link, self.engine.telemetry, self.time)
        self.engine.add(self.drum)
        self.clock.start(0.0)
        if plugged:
            self.link.plug()
        run_virtual(self.engine, self.time, 0.0)

    def run(self, until: float) -> None:
        run_virtual(self.engine, self.time, until)

    def notes(self) -> list[tuple[float, bytes]]:
        return [(t, b) for t, b in self.link.written if b[0] & 0xF0 == p.NOTE_ON]

    def sent(self, data: bytes) -> int:
        return sum(1 for _, b in self.link.written if b == data)


def test_heartbeat_every_100ms_exactly() -> None:
    rig = Rig()
    rig.run(1.0)
    beats = [t for t, b in rig.link.written if b == b"\xFE"]
    assert beats == pytest.approx([i * 0.1 for i in range(11)], abs=1e-9)


def test_no_heartbeat_burst_after_a_stall() -> None:
    rig = Rig()
    rig.run(0.25)
    rig.time.set(2.0)  # the engine did not run for 1.75 s
    rig.run(2.35)
    beats = [t for t, b in rig.link.written if b == b"\xFE" and t >= 2.0]
    assert beats == pytest.approx([2.0, 2.1, 2.2, 2.3], abs=1e-9)


def test_play_is_sent_early_by_each_motors_latency() -> None:
    config = DrumConfig(motors=[MotorConfig(motor=0, notes=[36], latency_ms=20),
                                MotorConfig(motor=1, notes=[38], latency_ms=45)])
    rig = Rig(config)
    assert rig.drum.play(36, 100, beat=4.0)
    assert rig.drum.play(38, 90, beat=4.0)
    assert rig.drum.play(36, 80, beat=5.5)
    rig.run(3.0)
    # 120 BPM: beat 4 at 2.0 s, beat 5.5 at 2.75 s
    assert rig.notes() == [(pytest.approx(1.955), bytes((0x99, 38, 90))),
                           (pytest.approx(1.980), bytes((0x99, 36, 100))),
                           (pytest.approx(2.730), bytes((0x99, 36, 80)))]


def test_default_map_is_gm_kick_and_snare_and_board_calibration_is_read() -> None:
    rig = Rig()
    rig.link.receive(BOOT)
    rig.run(0.01)
    assert rig.drum.motor_for(36) == 0 and rig.drum.motor_for(38) == 1 and rig.drum.motor_for(42) is None
    assert rig.sent(p.map_set(p.NoteMap())) == 0  # no map in the set file: the board's own stays
    assert all(rig.sent(p.cal_get(m)) == 1 for m in range(4))
    rig.link.receive(bytes.fromhex("F0 7D 42 00") + p.encode_calibration(p.Calibration(latency_ms=30)) + b"\xF7")
    rig.run(0.02)
    assert rig.drum.motors[0].latency == pytest.approx(0.030)
    rig.drum.play(36, 100, beat=2.0)
    rig.drum.play(42, 100, beat=2.0)
    rig.run(1.5)
    assert rig.notes() == [(pytest.approx(0.970), bytes((0x99, 36, 100)))]
    assert rig.drum.unmapped == 1


def test_notes_while_unplugged_are_dropped_and_never_burst_on_replug() -> None:
    rig = Rig(plugged=False)
    for i in range(8):
        rig.drum.play(36 if i % 2 else 38, 100, beat=0.5 + i * 0.25)
    rig.run(1.5)
    assert rig.notes() == []
    assert rig.drum.dropped_notes == 8
    rig.link.plug()
    rig.run(1.6)
    assert rig.notes() == []  # nothing queued from before
    rig.drum.hit_now(36, 100)
    assert len(rig.notes()) == 1


def test_reboot_is_counted_and_calibration_pushed_again() -> None:
    config = DrumConfig(motors=[MotorConfig(motor=0, notes=[36], forward_ms=40, latency_ms=18),
                                MotorConfig(motor=2, notes=[42])],
                        status_interval_ms=60000)  # no status polls: this board never answers them
    rig = Rig(config)
    assert rig.sent(p.hello()) == 1
    rig.link.receive(HELLO)
    rig.run(0.2)
    cal0 = p.cal_set(0, p.Calibration(forward_ms=40, latency_ms=18))
    note_map = p.map_set(p.NoteMap({36: 0, 42: 2}))
    assert (rig.sent(cal0), rig.sent(note_map), rig.drum.reboots) == (1, 1, 0)
    rig.link.receive(REBOOT)  # inside the reset-on-open grace: pushed again, not counted as a crash
    rig.run(0.3)
    assert (rig.sent(cal0), rig.sent(note_map), rig.drum.reboots) == (2, 2, 0)
    rig.run(3.0)
    rig.link.receive(REBOOT)
    rig.run(3.1)
    assert (rig.sent(cal0), rig.sent(note_map), rig.drum.reboots) == (3, 3, 1)
    assert rig.drum.board.boot is not None and rig.drum.board.boot.reset_causes == ("watchdog",)
    rig.engine.publish(3.1)
    state = rig.engine.telemetry.get("drum")
    assert state["reboots"] == 1 and state["firmware"] == "1.0.0" and state["link_state"] == "connected"


def test_first_boot_after_opening_the_port_is_not_a_reboot() -> None:
    rig = Rig()
    rig.link.receive(BOOT)  # an Uno resets when its port is opened
    rig.run(0.1)
    assert rig.drum.reboots == 0
    rig.link.unplug()
    rig.link.plug()
    rig.link.receive(BOOT)
    rig.run(0.2)
    assert rig.drum.reboots == 0 and rig.drum.errors == 1  # the unplug is an error, the fresh boot is not


def test_hello_is_retried_until_the_board_answers() -> None:
    rig = Rig(DrumConfig(status_interval_ms=60000))  # no status polls: this board never answers them
    rig.run(2.5)
    assert rig.sent(p.hello()) == 3  # at connect, 1 s and 2 s (the bootloader may eat the first)
    assert rig.drum.errors == 0
    rig.run(3.5)
    assert rig.drum.errors == 1 and "firmware flashed" in rig.drum.last_error  # reported once
    rig.link.receive(HELLO)
    rig.run(8.0)
    assert rig.sent(p.hello()) == 4 and rig.drum.errors == 1


def test_restrike_inside_min_interval_is_refused_per_motor() -> None:
    config = DrumConfig(motors=[MotorConfig(motor=0, notes=[36], min_interval_ms=100, latency_ms=0),
                                MotorConfig(motor=1, notes=[38], latency_ms=0)])
    rig = Rig(config)
    for beat in (1.0, 1.1, 1.25):  # 0.5 s, 0.55 s, 0.625 s
        rig.drum.play(36, 100, beat)
    rig.drum.play(38, 100, 1.1)
    rig.run(1.0)
    assert [b[1] for _, b in rig.notes()] == [36, 38, 36]
    assert rig.drum.motors[0].refused == 1 and rig.drum.motors[1].refused == 0


def test_test_strike_refusal_from_the_board_counts_for_that_motor() -> None:
    rig = Rig()
    rig.drum.rig.test(2, 90)
    rig.drum.rig.test(3, 90)
    assert rig.sent(p.test_strike(2, 90)) == 1
    rig.link.receive(bytes.fromhex("F0 7D 60 07 06 F7 F0 7D 60 07 00 F7"))
    rig.run(0.1)
    assert rig.drum.motors[2].refused == 1 and rig.drum.motors[3].strikes == 1
    with pytest.raises(ValueError, match="motor 9"):
        rig.drum.rig.test(9, 90)


def test_hits_reach_listeners_with_voice_and_beat_and_telemetry_counts_them() -> None:
    rig = Rig()
    hits: list[DrumHit] = []
    rig.drum.hit_listeners.append(hits.append)
    rig.drum.play(36, 127, 2.0)
    rig.drum.play(38, 64, 2.5)
    # heard when scheduled, a beat ahead: OSC sends early by its own latency for the video
    assert hits == [DrumHit("kick", 0, 36, 127, 2.0), DrumHit("snare", 1, 38, 64, 2.5)]
    rig.run(2.0)
    assert len(hits) == 2
    rig.engine.publish(2.0)
    motors = rig.engine.telemetry.get("drum")["motors"]
    assert [(m["voice"], m["last_hit"], m["hits_per_min"]) for m in motors[:2]] == [("kick", 2.0, 1), ("snare", 2.5, 1)]


def test_panic_and_stop_cancel_pending_strikes() -> None:
    rig = Rig()
    rig.drum.play(36, 100, 4.0)
    rig.drum.panic()
    assert rig.sent(p.panic()) == 1
    rig.run(3.0)
    assert rig.notes() == []


def test_late_strikes_are_dropped_not_played_off_beat() -> None:
    rig = Rig()
    rig.run(1.0)
    rig.drum.play(36, 100, 1.0)  # beat 1 was at 0.5 s
    rig.run(1.2)
    assert rig.notes() == [] and rig.drum.late == 1


def test_live_notes_hold_faster_motors_so_all_land_together() -> None:
    config = DrumConfig(motors=[MotorConfig(motor=0, notes=[36], latency_ms=20),
                                MotorConfig(motor=1, notes=[38], latency_ms=45)])
    rig = Rig(config)
    run_virtual(rig.engine, rig.time, 1.0, inputs=[(0.5, "drum in", [0x99, 36, 100]),
                                                   (0.5, "drum in", [0x99, 38, 100])])
    assert rig.notes() == []  # no route yet: the port is the show's business
    rig.engine.route("drum in", rig.drum.on_midi)
    run_virtual(rig.engine, rig.time, 2.0, inputs=[(1.5, "drum in", [0x99, 36, 100]),
                                                   (1.5, "drum in", [0x99, 38, 100])])
    # the snare (45 ms) goes at once, the kick (20 ms) 25 ms later: both on the skin at 1.545
    assert rig.notes() == [(pytest.approx(1.5), bytes((0x99, 38, 100))), (pytest.approx(1.525), bytes((0x99, 36, 100)))]
    assert rig.drum.live_latency() == pytest.approx(0.045)


def test_live_notes_without_alignment_go_at_once() -> None:
    config = DrumConfig(align_live=False, motors=[MotorConfig(motor=0, notes=[36], latency_ms=20),
                                                  MotorConfig(motor=1, notes=[38], latency_ms=45)])
    rig = Rig(config)
    rig.engine.route("drum in", rig.drum.on_midi)
    run_virtual(rig.engine, rig.time, 2.0, inputs=[(1.5, "drum in", [0x99, 36, 100]),
                                                   (1.5, "drum in", [0x99, 38, 100])])
    assert [t for t, _ in rig.notes()] == [pytest.approx(1.5), pytest.approx(1.5)]


def test_a_board_with_fewer_motors_is_reported_not_pushed_garbage() -> None:
    rig = Rig(DrumConfig(motors=[MotorConfig(motor=3, notes=[42], latency_ms=10)]))
    rig.link.receive(bytes.fromhex("F0 7D 41 01 01 00 00 02 00 F7"))  # a 2-motor build
    rig.run(0.1)
    assert rig.drum.errors == 1 and "motor(s) 3" in rig.drum.last_error
    assert [b[2] for _, b in rig.link.written if b[:3] in (bytes.fromhex("F0 7D 02"), bytes.fromhex("F0 7D 03"))] == [
        p.CMD_CAL_GET, p.CMD_CAL_GET]
    assert rig.sent(p.map_set(rig.drum.note_map)) == 0


def test_a_boot_notice_storm_logs_once_a_second_with_a_count() -> None:
    from bridge.ratelimit import RateLimiter
    rig = Rig()
    rig.engine.telemetry.limiter = RateLimiter(rig.time)
    rig.link.receive(HELLO)
    rig.run(3.0)  # past the reset-on-open grace
    for k in range(100):
        rig.link.receive(REBOOT)
        rig.run(3.0 + k * 0.005)  # a hundred reboot notices in half a second
    lines = [e.message for e in rig.engine.telemetry.recent() if "rebooted" in e.message]
    assert len(lines) == 1
    assert rig.drum.reboots == 100  # each one counted
    rig.run(4.6)
    rig.link.receive(REBOOT)
    rig.run(4.7)
    lines = [e.message for e in rig.engine.telemetry.recent() if "rebooted" in e.message]
    assert len(lines) == 2 and "(+99 more like this)" in lines[-1]


def test_without_a_board_the_drum_wakes_nobody_and_its_heartbeat_starts_when_one_is_plugged() -> None:
    """While the link searches, no timer of the drum wakes the engine (an idle show's CPU); a board found
    brings the 100 ms heartbeat back within one interval."""
    rig = Rig(plugged=False)
    rig.link.start()
    rig.run(5.0)
    assert rig.drum.next_wakeup(5.0) == math.inf
    rig.link.plug()
    rig.run(5.0001)
    assert rig.drum.next_wakeup(5.0001) <= 5.0001 + p.HEARTBEAT_INTERVAL_S
    rig.run(6.0)
    beats = [t for t, b in rig.link.written if b == b"\xFE"]
    assert len(beats) >= 9 and beats[0] <= 5.0001 + p.HEARTBEAT_INTERVAL_S + 1e-9
