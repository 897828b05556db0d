"""`drumbridge run` as a process on a real JACK server: ready line, clock out, clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.drum import protocol as p
from bridge.midi.ports import ExternalInput
from tests.drum.fake_board import FakeBoard
from tests.waiting import read_until

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent


def test_run_then_ctrl_c_stops_cleanly(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    # The demo set, with a clock port name no other test's show can also be using.
    demo = (ROOT / "live_sets" / "demo.toml").read_text()
    show_set = tmp_path / "demo.toml"
    clock_out = 'beats_per_bar = 4\noutput = "drumbridge clock out (run test)"'
    show_set.write_text(demo.replace("beats_per_bar = 4", clock_out, 1))
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(show_set), "--headless"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        ready = read_until(process.stderr, "running")  # other shows here may hold the OSC port: a warning first
        assert "ready in" in ready, ready
        listener = ExternalInput("drumbridge clock out (run test)", client="fake-live")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(listener.received) < 48:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        deadline = time.monotonic() + 3.0  # the last MIDI bytes still have to cross JACK
        while time.monotonic() < deadline and not any(d == [0xFC] for d, _ in listener.received):
            time.sleep(0.01)
        data = [bytes(d) for d, _ in listener.take()]
        listener.close()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "all notes off" in err
    assert data.count(b"\xf8") >= 48
    assert data[-1] == b"\xfc"


def test_two_signals_a_millisecond_apart_still_send_every_note_off_stop_and_drum_panic(  # noqa: ANN001
        jack_server, socat_cable, tmp_path: Path) -> None:
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    demo = (ROOT / "live_sets" / "demo.toml").read_text()
    show_set = tmp_path / "signals.toml"
    text = demo.replace("beats_per_bar = 4", 'beats_per_bar = 4\noutput = "drumbridge clock out (signals)"', 1)
    text = text.replace("bpm = 120.0", "bpm = 240.0", 1)  # the answer (bars 3-4) comes after 2 s
    text = text.replace('name = "drums"', 'name = "sigtest"').replace('input = "drums"', 'input = "sigtest"')
    text = text.replace('serial = "auto"', f'serial = "{socat_cable.a}"')
    show_set.write_text(text)
    board = FakeBoard(socat_cable.b)
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(show_set), "--headless"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        read_until(process.stderr, "running")
        clock = ExternalInput("drumbridge clock out (signals)", client="fake-live-clock")
        notes = ExternalInput("drumbridge sigtest out", client="fake-live-track")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(d[0] & 0xF0 == 0x90 for d, _ in notes.received):
            time.sleep(0.005)  # waiting for the show's answer to start sounding
        assert any(d[0] & 0xF0 == 0x90 for d, _ in notes.received), "the show never played a note"
        board.wait(lambda b: b.commands(p.CMD_CAL_GET))  # the board answered hello: the drum link is up
        process.send_signal(signal.SIGINT)
        time.sleep(0.001)  # the second signal 1 ms after the first: this spacing is the point of the test
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        deadline = time.monotonic() + 3.0  # the last MIDI bytes still have to cross JACK
        while time.monotonic() < deadline and not (any(d == [0xFC] for d, _ in clock.received)
                                                   and any(d[:2] == [0xB9, 123] for d, _ in notes.received)):
            time.sleep(0.01)
        clock_data = [d for d, _ in clock.take()]
        note_data = [d for d, _ in notes.take()]
        clock.close()
        notes.close()
        board.wait(lambda b: b.commands(p.CMD_PANIC))  # drum panic: every motor off
    finally:
        board.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert clock_data[-1] == [0xFC]  # Stop
    assert [0xB9, 123, 0] in note_data  # All Notes Off on the responder's channel (10)
    sounding: set[int] = set()
    for d in note_data:
        if d[0] == 0x99 and d[2] > 0:
            sounding.add(d[1])
        elif d[0] in (0x89, 0x99):
            sounding.discard(d[1])
    assert not sounding  # every note-on got its note-off


def test_a_crash_mid_show_says_where_every_thread_was(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    show_set = tmp_path / "crash.toml"
    show_set.write_text('[clock]\nsource = "internal"\nbpm = 120\noutput = "drumbridge clock out (crash test)"\n'
                        '[[responders]]\nname = "crashdrums"\nmodel = "builtin:drums"\n')
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(show_set), "--headless"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        read_until(process.stderr, "running")
        # SIGSEGV from outside reaches the same handler a fault inside rtmidi or libjack would
        process.send_signal(signal.SIGSEGV)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in err, err
    assert err.count("Thread 0x") >= 3, err  # the engine, the poller and the others: each one's stack
