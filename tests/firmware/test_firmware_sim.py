"""The real firmware ELF in simavr: strike shapes and timings, safety, heartbeat, SysEx bytes, EEPROM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.firmware.fwsim import SimRun, run_script, sysex_messages

pytestmark = pytest.mark.usefixtures("sim")

BOOT_POWER_ON_BLANK = bytes.fromhex("F0 7D 70 01 01 00 00 01 01 04 00 F7")
HELLO = bytes.fromhex("F0 7D 01 F7")
HELLO_REPLY = bytes.fromhex("F0 7D 41 01 01 00 00 04 00 F7")
TOLERANCE_US = 100


def cal_set(motor: int, fwd: int, pause: int, back: int, latency: int = 15,
            interval: int = 90, max_on: int = 100, mode: int = 0, floor: int = 40,
            curve: int = 0) -> bytes:
    """CAL_SET request bytes (14-bit fields low 7 bits first)."""
    body = bytearray([0xF0, 0x7D, 0x03, motor])
    for v in (fwd, pause, back, latency, interval, max_on):
        body += bytes([v & 0x7F, v >> 7])
    body += bytes([mode, floor, curve, 0xF7])
    return bytes(body)


def rx_done(run: SimRun, t_us: int, n: int) -> int:
    """Time the firmware's UART completed the n-th byte sent at or after t_us (1-based)."""
    times = [t for t, _ in run.rx_times() if t >= t_us]
    return times[n - 1]


def phases(run: SimRun, motor: int) -> list[tuple[int, str]]:
    return run.motor(motor)


def durations(changes: list[tuple[int, str]]) -> list[int]:
    return [b[0] - a[0] for a, b in zip(changes, changes[1:])]


def test_boot_notice_is_first_output() -> None:
    run = run_script([], ms=20)
    assert sysex_messages(run.tx()) == [BOOT_POWER_ON_BLANK]


@pytest.mark.parametrize("flags", [0x04, 0x08, 0x0C])
def test_boot_notice_reports_brown_out_and_watchdog(flags: int) -> None:
    """MCUSR is read (and cleared, with the watchdog stopped) before the Arduino core starts."""
    run = run_script([(10_000, HELLO)], ms=20, mcusr=flags)
    boot, hello = sysex_messages(run.tx())
    assert boot[7] == flags
    assert hello == HELLO_REPLY


def test_watchdog_recovers_a_hung_firmware() -> None:
    """A hang mid-strike: the watchdog resets within ~120 ms, motors off, boot notice says watchdog."""
    events = [(10_000, bytes([0x90, 36, 127])), (15_000, "hang"), (400_000, HELLO)]
    run = run_script(events, ms=420)
    changes = phases(run, 0)
    assert changes[0][1] == "fwd" and changes[1][1] == "off"
    assert 15_000 + 100_000 <= changes[1][0] <= 15_000 + 150_000, changes
    msgs = sysex_messages(run.tx())
    assert msgs[0] == BOOT_POWER_ON_BLANK
    assert msgs[1] == bytes.fromhex("F0 7D 70 01 01 00 00 08 01 04 00 F7")
    assert msgs[2] == HELLO_REPLY  # up again, and not stuck in a watchdog reset loop


def test_hello_reply_bytes() -> None:
    run = run_script([(10_000, HELLO)], ms=20)
    assert sysex_messages(run.tx_after(10_000)) == [HELLO_REPLY]


def test_default_strike_shape_and_timing() -> None:
    run = run_script([(10_000, bytes([0x99, 36, 127]))], ms=150)
    changes = phases(run, 0)
    assert [s for _, s in changes] == ["fwd", "off", "back", "off"]
    assert changes[0][0] - rx_done(run, 10_000, 3) < 1000  # note -> motor well under 1 ms
    for got, want in zip(durations(changes), [30_000, 20_000, 30_000]):
        assert abs(got - want) <= TOLERANCE_US, durations(changes)
    assert phases(run, 1) == []


def test_calibrated_strike_timing_and_second_motor() -> None:
    events = [
        (10_000, cal_set(1, fwd=45, pause=15, back=25)),
        (20_000, bytes([0x90, 38, 127, 36, 127])),
    ]
    run = run_script(events, ms=150)
    snare = phases(run, 1)
    assert [s for _, s in snare] == ["fwd", "off", "back", "off"]
    for got, want in zip(durations(snare), [45_000, 15_000, 25_000]):
        assert abs(got - want) <= TOLERANCE_US, durations(snare)
    kick = phases(run, 0)
    assert [s for _, s in kick] == ["fwd", "off", "back", "off"]  # running status, both motors at once
    assert abs(kick[0][0] - snare[0][0] - 174) < 200


@pytest.mark.parametrize("velocity,forward_us", [(1, 12_000), (64, 21_000), (127, 30_000)])
def test_velocity_scales_forward_time(velocity: int, forward_us: int) -> None:
    run = run_script([(10_000, bytes([0x90, 36, velocity]))], ms=100)
    changes = phases(run, 0)
    assert abs(durations(changes)[0] - forward_us) <= TOLERANCE_US


def test_velocity_zero_is_note_off() -> None:
    run = run_script([(10_000, bytes([0x90, 36, 0]))], ms=50)
    assert phases(run, 0) == []


def test_restrike_inside_interval_is_refused() -> None:
    events = [
        (10_000, bytes([0x90, 36, 127])),
        (50_000, bytes([0x90, 36, 127])),   # 40 ms later: refused (interval 90 ms)
        (110_000, bytes([0x90, 36, 127])),  # 100 ms after the first: accepted
        (250_000, bytes.fromhex("F0 7D 05 F7")),
    ]
    run = run_script(events, ms=260)
    starts = [t for t, s in phases(run, 0) if s == "fwd"]
    assert len(starts) == 2
    assert starts[1] > 110_000
    status = sysex_messages(run.tx_after(250_000))[0]
    assert counter(status, 3) == 2  # strikes
    assert counter(status, 4) == 1  # refused too soon


def counter(status: bytes, index: int) -> int:
    """Counter index of a STATUS reply (five 7-bit bytes, low first)."""
    base = 5 + 5 * index
    return sum(status[base + k] << (7 * k) for k in range(5))


def test_strike_over_max_on_time_is_refused() -> None:
    events = [
        (10_000, cal_set(0, fwd=200, pause=10, back=30, max_on=150)),
        (20_000, bytes([0x90, 36, 127])),
        (30_000, bytes.fromhex("F0 7D 07 00 7F F7")),  # test strike, velocity 127
        (40_000, bytes.fromhex("F0 7D 05 F7")),
    ]
    run = run_script(events, ms=60)
    assert phases(run, 0) == []
    msgs = sysex_messages(run.tx_after(10_000))
    assert msgs[0] == bytes.fromhex("F0 7D 60 03 00 F7")
    assert msgs[1] == bytes.fromhex("F0 7D 60 07 07 F7")
    assert counter(msgs[2], 5) == 2  # refused for max on-time: the note and the test strike


def test_heartbeat_loss_turns_motors_off_within_300ms() -> None:
    events = [
        (10_000, cal_set(0, fwd=1000, pause=0, back=0, interval=0, max_on=1000)),
        (20_000, bytes([0xFE])),
        (120_000, bytes([0xFE, 0x90, 36, 127])),  # then the host goes silent
        (900_000, bytes([0xFE])),                  # it comes back
        (910_000, bytes([0x90, 36, 127])),
        (1_000_000, bytes.fromhex("F0 7D 05 F7")),
    ]
    run = run_script(events, ms=1_010)
    changes = phases(run, 0)
    last_byte = rx_done(run, 120_000, 4)
    assert changes[0][1] == "fwd"
    assert changes[1][1] == "off"
    off_after = changes[1][0] - last_byte
    assert 300_000 <= off_after <= 300_000 + 2_000, off_after
    assert changes[2][1] == "fwd" and changes[2][0] > 910_000  # strikes resume
    status = sysex_messages(run.tx_after(1_000_000))[0]
    assert counter(status, 7) == 1  # heartbeat losses


def test_no_heartbeat_no_timeout() -> None:
    """Without Active Sensing (plain hairless-midiserial) silence never stops a strike."""
    events = [
        (10_000, cal_set(0, fwd=1000, pause=0, back=0, interval=0, max_on=1000)),
        (20_000, bytes([0x90, 36, 127])),
    ]
    run = run_script(events, ms=1_100)
    changes = phases(run, 0)
    assert [s for _, s in changes] == ["fwd", "off"]
    assert abs(durations(changes)[0] - 1_000_000) <= TOLERANCE_US


def test_cal_get_status_and_map_reply_bytes() -> None:
    events = [
        (10_000, bytes.fromhex("F0 7D 02 01 F7")),
        (20_000, bytes.fromhex("F0 7D 09 F7")),
        (30_000, bytes([0x90, 36, 100, 0xF4])),
        (40_000, bytes.fromhex("F0 7D 05 F7")),
    ]
    run = run_script(events, ms=50)
    msgs = sysex_messages(run.tx_after(10_000))
    assert msgs[0] == bytes.fromhex("F0 7D 42 01 1E 00 14 00 1E 00 0F 00 5A 00 64 00 00 28 00 F7")
    assert msgs[1] == bytes.fromhex("F0 7D 49 7F 24 00 26 01 00 7F 00 7F 00 7F 00 7F 00 7F 00 7F F7")
    status = msgs[2]
    assert status[:3] == bytes.fromhex("F0 7D 45") and status[-1] == 0xF7
    assert len(status) == 4 + 2 + 5 * 10
    assert status[3] == 0x00  # no heartbeat seen, no fault
    assert status[4] == 0x01  # motor 0 is driving
    assert abs(counter(status, 0) - 40) <= 2  # uptime ms
    assert counter(status, 1) == 5 + 4 + 4 + 4  # bytes received
    assert counter(status, 2) == 1  # notes
    assert counter(status, 3) == 1  # strikes
    assert counter(status, 6) == 1  # parse errors (0xF4)


def test_calibration_saved_to_eeprom_survives_reset(tmp_path: Path) -> None:
    eeprom = tmp_path / "eeprom.bin"
    events = [
        (10_000, cal_set(0, fwd=40, pause=12, back=33, latency=21)),
        (20_000, bytes.fromhex("F0 7D 04 F7")),
        (600_000, "reset"),
        (700_000, bytes.fromhex("F0 7D 02 00 F7")),
        (710_000, bytes([0x90, 36, 127])),
    ]
    run = run_script(events, ms=850, eeprom=eeprom)
    msgs = sysex_messages(run.tx())
    assert msgs[0] == BOOT_POWER_ON_BLANK
    assert msgs[1] == bytes.fromhex("F0 7D 60 03 00 F7")
    assert msgs[2] == bytes.fromhex("F0 7D 60 04 00 F7")  # sent once the last byte is written
    assert msgs[3] == bytes.fromhex("F0 7D 70 01 01 00 00 02 00 04 00 F7")  # external reset, loaded
    assert msgs[4] == bytes.fromhex("F0 7D 42 00 28 00 0C 00 21 00 15 00 5A 00 64 00 00 28 00 F7")
    changes = [c for c in phases(run, 0) if c[0] > 700_000]
    for got, want in zip(durations(changes), [40_000, 12_000, 33_000]):
        assert abs(got - want) <= TOLERANCE_US
    # The EEPROM file carries it into the next power-on too.
    again = run_script([(10_000, bytes.fromhex("F0 7D 02 00 F7"))], ms=20, eeprom=eeprom)
    msgs = sysex_messages(again.tx())
    assert msgs[0] == bytes.fromhex("F0 7D 70 01 01 00 00 01 00 04 00 F7")
    assert msgs[1] == bytes.fromhex("F0 7D 42 00 28 00 0C 00 21 00 15 00 5A 00 64 00 00 28 00 F7")


def test_garbage_then_note_still_strikes() -> None:
    garbage = bytes([0x12, 0xF7, 0xF0, 0x7D, 0x55, 0xA0, 0x01, 0xF5, 0xFF, 0x93, 0x24])
    events = [(10_000, garbage), (20_000, bytes([0x90, 36, 127]))]
    run = run_script(events, ms=40)
    assert phases(run, 0)[0][1] == "fwd"


def test_led_blinks_fast_without_host_and_slow_with_heartbeat() -> None:
    events = [(1_000_000 + 100_000 * i, bytes([0xFE])) for i in range(20)]
    run = run_script(events, ms=3_000)
    led = [r.t_us for r in run.rows if r.what == "led"]
    before = [t for t in led if t < 1_000_000]
    after = [t for t in led if 2_000_000 <= t < 3_000_000]
    assert 9 <= len(before) <= 11  # 5 Hz: 10 edges a second
    assert 1 <= len(after) <= 3    # 1 Hz: 2 edges a second


@pytest.mark.usefixtures("sim_shield")
def test_shield_build_strikes_through_the_latch() -> None:
    """The DRIVER=shield firmware drives M1/M2 through the 74HC595 with the same timing."""
    run = run_script([(10_000, bytes([0x90, 36, 127, 38, 64]))], ms=120, shield=True)
    for motor, forward_us in ((0, 30_000), (1, 21_000)):
        changes = phases(run, motor)
        assert [s for _, s in changes] == ["fwd", "off", "back", "off"]
        for got, want in zip(durations(changes), [forward_us, 20_000, 30_000]):
            assert abs(got - want) <= TOLERANCE_US, (motor, durations(changes))
    boot = sysex_messages(run.tx())[0]
    assert boot[10] == 0x01  # driver: shield
