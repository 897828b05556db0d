"""`drumbridge run` as a process on a real JACK server: ready line, clock out, clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.midi.ports import ExternalInput

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
        ready = process.stderr.readline()
        assert "running" in ready and "ready in" in ready, ready
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
