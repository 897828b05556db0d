"""A board speaking a protocol we do not know is refused (PROTOCOL.md section 10), in virtual time."""

from __future__ import annotations

from bridge.drum import protocol as p
from tests.drum.test_drum_virtual import BOOT, Rig

BOOT_99 = bytes.fromhex("F0 7D 70 63 09 00 00 01 00 04 00 F7")  # protocol 99, firmware 9.0.0
HELLO_99 = bytes.fromhex("F0 7D 41 63 09 00 00 04 00 F7")


def sysex_sent(rig: Rig) -> set[int]:
    return {b[2] for _, b in rig.link.written if b[0] == p.SYSEX_START}


def test_unknown_protocol_gets_no_notes_no_calibration_and_one_clear_error() -> None:
    rig = Rig()
    rig.link.receive(BOOT_99)
    rig.link.receive(HELLO_99)
    rig.run(5.0)
    assert rig.drum.link_state == "refused"
    assert sysex_sent(rig) == {p.CMD_HELLO}  # no map, no calibration, no status polls
    assert not rig.drum.hit_now(36, 100) and rig.drum.dropped_notes == 1 and rig.notes() == []
    rig.drum.rig.test(0)
    rig.drum.panic()
    assert sysex_sent(rig) == {p.CMD_HELLO}
    errors = [e.message for e in rig.engine.telemetry.recent("error")]
    assert sum("protocol 99 (firmware 9.0.0)" in m for m in errors) == 1, errors
    assert "this drumbridge speaks protocol 1" in errors[0] and "make -C firmware flash" in errors[0]
    rig.engine.publish(5.0)
    assert rig.engine.telemetry.get("drum")["link_state"] == "refused"


def test_a_reflashed_board_is_driven_again() -> None:
    rig = Rig()
    rig.link.receive(BOOT_99)
    rig.run(0.5)
    rig.link.unplug()
    rig.link.plug()
    rig.link.receive(BOOT)
    rig.run(1.6)  # one status poll 1 s after the new connection
    assert rig.drum.link_state == "connected" and {p.CMD_CAL_GET, p.CMD_STATUS_GET} <= sysex_sent(rig)
    assert rig.drum.hit_now(36, 100) and len(rig.notes()) == 1
