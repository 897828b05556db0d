"""End to end with the real firmware in simavr: JACK note in → show → pty → ATmega328P → motor pins (trace)."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bridge.drum import sim as drum_sim
from bridge.midi.factory import RtMidiPorts
from bridge.midi.ports import ExternalOutput
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from tests.waiting import wait_until

needs_sim = pytest.mark.skipif(
    not (drum_sim.FIRMWARE_DIR / "Makefile").exists() or shutil.which("avr-gcc") is None
    or not Path("/usr/include/simavr").exists(),
    reason="needs firmware/ sources, avr-gcc and libsimavr-dev (scripts/install-system.sh)")

SET = """
[clock]
source = "internal"
bpm = 120
[drum]
serial = "{port}"
[[drum.motors]]
motor = 0
notes = [36]
forward_ms = 45
pause_ms = 10
back_ms = 25
latency_ms = 12
[[drum.motors]]
motor = 1
notes = [38]
"""


def motor_rows(trace: Path) -> list[tuple[int, int, str]]:
    """The trace's complete lines (the simulator may be halfway through writing the last one)."""
    text = trace.read_text(encoding="utf-8") if trace.exists() else ""
    complete = text[:text.rfind("\n") + 1].splitlines()
    return [(int(r["time_us"]), int(r["motor"]), r["state"]) for r in csv.DictReader(complete)]


def strikes(rows: list[tuple[int, int, str]], motor: int) -> list[list[tuple[str, int]]]:
    """Each strike of `motor` as [(state, duration_us), ...] from one fwd to the next."""
    out: list[list[tuple[str, int]]] = []
    mine = [(t, s) for t, m, s in rows if m == motor]
    for (t, s), (t2, _s2) in zip(mine, mine[1:]):
        if s == "fwd":
            out.append([])
        if out:
            out[-1].append((s, t2 - t))
    return out


def struck(trace: Path, motor: int, count: int) -> bool:
    """Whether the trace shows `count` whole strikes (forward, pause, back and the end of back) of `motor`."""
    done = strikes(motor_rows(trace), motor)
    return len(done) >= count and len(done[count - 1]) >= 3


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[drum_sim.Simulator]:
    sim = drum_sim.Simulator(tmp_path / "drum-sim", trace=tmp_path / "trace.csv")
    try:
        sim.start()
    except drum_sim.SimulatorError as error:
        pytest.fail(str(error))
    try:
        yield sim
    finally:
        sim.stop()


@needs_sim
@pytest.mark.jack
@pytest.mark.slow
def test_notes_strike_real_firmware_and_reboot_restores_calibration(
        jack_server: object, simulator: drum_sim.Simulator, tmp_path: Path) -> None:
    show = Show(parse_set(SET.format(port=simulator.link)), RtMidiPorts(), time.monotonic)
    runner = RealtimeRunner(show.engine)
    runner.start()
    live = None
    try:
        wait_until(lambda: show.telemetry.get("drum").get("firmware") == "1.0.0")
        # read from the board after motor 0's pushed timings: the board has taken those too (one serial line)
        wait_until(lambda: show.drum.motors[1].calibration is not None)
        live = ExternalOutput("drumbridge drum in")
        live.send([0x99, 36, 127])
        wait_until(lambda: struck(simulator.trace, 0, 1))
        live.send([0x99, 38, 127])
        wait_until(lambda: struck(simulator.trace, 1, 1))
        rows = motor_rows(simulator.trace)
        kick = strikes(rows, 0)
        assert [s for s, _ in kick[0]] == ["fwd", "off", "back"], rows
        # the set file's timings reached the firmware: 45 ms forward at full velocity, 10 pause, 25 back
        assert [round(d / 1000) for _, d in kick[0]] == [45, 10, 25]
        assert [round(d / 1000) for _, d in strikes(rows, 1)[0]] == [30, 20, 30]  # the board's defaults

        simulator.reset()  # reset button: RAM calibration gone until drumbridge pushes it again
        # the boot notice that sets last_reset also sends the timings again, ahead of the next note
        wait_until(lambda: show.telemetry.get("drum").get("last_reset") == "external")
        live.send([0x99, 36, 127])
        wait_until(lambda: struck(simulator.trace, 0, 2))
        kick = strikes(motor_rows(simulator.trace), 0)
        assert len(kick) == 2 and [round(d / 1000) for _, d in kick[1]] == [45, 10, 25]
        # the board's counters arrive with its next periodic status reply
        status = wait_until(lambda: (drum := show.telemetry.get("drum")).get("board") and drum)
        assert status["board"]["strikes"] >= 1 and status["errors"] == 0, status
    finally:
        if live is not None:
            live.close()
        runner.stop()


@needs_sim
def test_cli_talks_to_the_simulated_board(simulator: drum_sim.Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from bridge.cli.main import main

    assert main(["drum", "hello", "--port", str(simulator.link)]) == 0
    assert "firmware 1.0.0" in capsys.readouterr().out
    assert main(["drum", "calibrate", "2", "--port", str(simulator.link), "--forward", "50", "--back", "40",
                 "--strike", "127", "--save", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["after"]["forward_ms"] == 50 and result["set"] == "ok" and result["save"] == "ok"
    assert result["strike"] == "ok"
    assert main(["drum", "status", "--port", str(simulator.link), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["calibration"]["2"]["back_ms"] == 40 and status["note_map"] == {"36": 0, "38": 1}
    assert status["counters"]["strikes"] == 1
    assert main(["drum", "test", "0", "--port", str(simulator.link)]) == 0
    assert main(["drum", "test", "7", "--port", str(simulator.link)]) == 2
    assert "motor 7 does not exist" in capsys.readouterr().err
    assert main(["drum", "test", "snare", "--port", str(simulator.link), "--json"]) == 0  # voice names work
    assert json.loads(capsys.readouterr().out)["motor"] == 1
    assert main(["drum", "test", "kik", "--port", str(simulator.link)]) == 2
    assert "no motor called 'kik' (did you mean 'kick'?)" in capsys.readouterr().err
    wait_until(lambda: struck(simulator.trace, 2, 1))
    assert [s for _t, m, s in motor_rows(simulator.trace) if m == 2][:3] == ["fwd", "off", "back"]


@needs_sim
def test_drum_sim_command_serves_the_firmware_and_traces_motor_pins(tmp_path: Path) -> None:
    import subprocess
    import sys

    from bridge.drum.client import DrumClient

    link, trace = tmp_path / "sim-pty", tmp_path / "pins.csv"
    process = subprocess.Popen([sys.executable, "-m", "bridge", "drum", "sim", "--link", str(link),
                                "--trace", str(trace), "--seconds", "4"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(link.exists, 10.0, what=lambda: process.stderr.read() if process.poll() is not None else "no pty")
        with DrumClient.open(str(link)) as board:
            assert board.hello().version == "1.0.0"
            assert board.test(1, 127).ok
            wait_until(lambda: struck(trace, 1, 1))
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert str(link) in out
    rows = motor_rows(trace)
    assert [s for _t, m, s in rows] == ["fwd", "off", "back", "off"] and {m for _t, m, _s in rows} == {1}
    assert not link.exists()


@needs_sim
def test_drum_sim_eeprom_file_keeps_calibration_across_restarts(tmp_path: Path) -> None:
    """`drum sim --eeprom FILE`: calibration saved on one run is the board's on the next."""
    import signal
    import subprocess
    import sys

    from bridge.drum.client import DrumClient

    link, eeprom = tmp_path / "sim-pty", tmp_path / "board.eeprom"

    def run_sim() -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-m", "bridge", "drum", "sim", "--link", str(link),
                                    "--eeprom", str(eeprom), "--seconds", "60"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until(link.exists, 10.0, what=lambda: process.stderr.read() if process.poll() is not None else "no pty")
        return process

    def stop(process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
        wait_until(lambda: not link.exists(), 5.0)

    first = run_sim()
    try:
        with DrumClient.open(str(link)) as board:
            assert board.hello().version == "1.0.0"  # up and listening (bytes before its UART is on are lost)
            cal = board.calibration(2)
            assert cal.forward_ms != 47
            assert board.set_calibration(2, replace(cal, forward_ms=47, back_ms=33)).ok
            assert board.save().ok
    finally:
        stop(first)
    assert eeprom.stat().st_size == 1024
    second = run_sim()
    try:
        with DrumClient.open(str(link)) as board:
            assert board.hello().version == "1.0.0"
            again = board.calibration(2)
            assert (again.forward_ms, again.back_ms) == (47, 33)
    finally:
        stop(second)
