"""pty mode of drumbridge-sim, as `drumbridge drum sim` uses it: a serial port a client can open."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
import tty
from pathlib import Path

import pytest

from tests.firmware.fwsim import SIM_BINARY, sysex_messages
from tests.waiting import wait_until

pytestmark = pytest.mark.usefixtures("sim")


def read_until(fd: int, want: bytes, timeout_s: float) -> bytes:
    """Reads from fd until want appears or the timeout passes."""
    buf = b""
    deadline = time.monotonic() + timeout_s
    while want not in buf and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            buf += os.read(fd, 256)
    return buf


def motor_states(trace: Path, motor: int) -> list[str]:
    """States of one motor in the trace file written so far."""
    if not trace.exists():
        return []
    rows = [r.split(",") for r in trace.read_text().splitlines()[1:]]
    return [r[2] for r in rows if len(r) == 3 and r[1] == str(motor)]


def test_pty_bridges_bytes_both_ways_in_real_time(tmp_path: Path) -> None:
    link = tmp_path / "drum"
    trace = tmp_path / "trace.csv"
    proc = subprocess.Popen(
        [str(SIM_BINARY), "--pty", str(link), "--trace", str(trace)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready = proc.stdout.readline().split()
        assert ready[:2] == ["READY", str(link)], ready
        assert link.is_symlink()
        fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        boot = read_until(fd, b"\xf7", 10.0)
        assert sysex_messages(boot)[0][:3] == bytes.fromhex("F0 7D 70")
        started = time.monotonic()
        os.write(fd, bytes.fromhex("F0 7D 01 F7"))
        reply = read_until(fd, b"\xf7", 10.0)
        elapsed = time.monotonic() - started
        assert sysex_messages(reply) == [bytes.fromhex("F0 7D 41 01 01 00 00 04 00 F7")]
        assert elapsed < 2.0  # real time, not stuck (the sim needs ~1 ms of its own time)
        os.write(fd, bytes([0x90, 36, 127]))
        wait_until(lambda: len(motor_states(trace, 0)) >= 4, 10.0)  # trace flushes every 0.1 s
        proc.send_signal(signal.SIGUSR1)  # reset button: a second boot notice
        again = read_until(fd, b"\xf7", 10.0)
        assert sysex_messages(again)[0][:8] == bytes.fromhex("F0 7D 70 01 01 00 00 02")
        os.close(fd)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
    assert proc.returncode == 0, proc.stderr.read()
    assert not link.exists()
    rows = trace.read_text().splitlines()
    assert rows[0] == "time_us,what,value"
    assert motor_states(trace, 0)[:4] == ["fwd", "off", "back", "off"]
    # Simulated time tracked the wall clock: the run lasted well under 10 s of sim time.
    assert int(rows[-1].split(",")[0]) < 10_000_000


def test_reset_on_open_behaves_like_an_uno(tmp_path: Path) -> None:
    """Each open of the port resets the drum: a fresh boot notice after the bootloader's wait."""
    link = tmp_path / "drum"
    proc = subprocess.Popen(
        [str(SIM_BINARY), "--pty", str(link), "--reset-on-open"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().split()[:2] == ["READY", str(link)]
        for _ in range(2):
            fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(fd)
            opened = time.monotonic()
            boot = read_until(fd, b"\xf7", 10.0)
            assert sysex_messages(boot) == [bytes.fromhex("F0 7D 70 01 01 00 00 02 01 04 00 F7")]
            assert time.monotonic() - opened >= 0.45  # the bootloader's wait
            os.write(fd, bytes.fromhex("F0 7D 01 F7"))
            assert sysex_messages(read_until(fd, b"\xf7", 10.0))[0][:3] == bytes.fromhex("F0 7D 41")
            os.close(fd)
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
    assert proc.returncode == 0
