"""What a headless show prints on stderr: trouble said in words, and nothing else on an orderly stop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent


def run_headless(jack_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_name, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bridge", "run", *args, "--headless"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_no_clock_and_no_drum_board_are_said_on_a_headless_console(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "follow.toml"
    missing = tmp_path / "ttyACM9"
    path.write_text(f'name = "follow"\n[clock]\nsource = "midi"\nport = "stagetui clock {jack_server.name}"\n'
                    f'[drum]\nserial = "{missing}"\n[dashboard]\nremote = false\n')
    done = run_headless(jack_server.name, str(path), "--seconds", "3.5")
    assert done.returncode == 0, done.stderr
    assert f"waiting for Live's clock on 'stagetui clock {jack_server.name}'" in done.stderr
    assert f"no board on {missing}: still searching after" in done.stderr
    assert "board lost" not in done.stderr, "an orderly stop is not a lost board"


def test_an_orderly_stop_of_the_demo_prints_nothing_but_drumbridge_lines(jack_server) -> None:  # noqa: ANN001
    done = run_headless(jack_server.name, "live_sets/demo.toml", "--seconds", "2")
    assert done.returncode == 0, done.stderr
    others = [line for line in done.stderr.splitlines()
              if not line.startswith("drumbridge:") and " drumbridge: " not in line]
    assert others == [], "libjack or other noise on stderr"
    assert "board lost" not in done.stderr


@pytest.mark.slow
def test_an_orderly_stop_of_the_demo_with_its_simulated_drum_says_no_board_lost(jack_server) -> None:  # noqa: ANN001
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "bridge", "demo", "--headless", "--seconds", "3"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    others = [line for line in done.stderr.splitlines()
              if not line.startswith("drumbridge:") and " drumbridge: " not in line]
    assert others == [], "libjack or other noise on stderr"
    assert "board lost" not in done.stderr and "lost" not in done.stderr.lower(), done.stderr
