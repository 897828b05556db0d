"""`drumbridge demo` end to end: clock, the demo call, the responder's answer, and the simulated drum striking."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent


def test_demo_answers_strike_the_simulated_drum(jack_server, oscdump, tmp_path: Path) -> None:  # noqa: ANN001
    if shutil.which("avr-gcc") is None or shutil.which("simavr") is None and not Path("/usr/include/simavr").exists():
        pytest.skip("avr-gcc / simavr not installed (make test installs them)")
    trace = tmp_path / "pins.csv"
    demo_set = (ROOT / "live_sets" / "demo.toml").read_text().replace("port = 9000", f"port = {oscdump.port}")
    (tmp_path / "demo.toml").write_text(demo_set)
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    # The demo set, but sending OSC to our oscdump: run it through the demo command's own code path.
    script = (
        "import sys; from bridge.cli import common; from bridge.cli.main import main;"
        f"common.REPO_SETS = __import__('pathlib').Path({str(tmp_path)!r});"
        f"sys.exit(main(['demo', '--headless', '--seconds', '9', '--trace', {str(trace)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "firmware in simavr" in result.stderr
    with trace.open() as rows:
        strikes = [row for row in csv.DictReader(rows) if row["state"] == "fwd"]
    # Call on bars 1-2, answer on bars 3-4 (from 4 s at 120 BPM): the answer's kicks and snares strike.
    assert strikes, "no motor moved"
    assert {row["motor"] for row in strikes} <= {"0", "1"}
    assert min(int(row["time_us"]) for row in strikes) > 3_500_000
    states = oscdump.messages("/drumbridge/responder/drums/state")
    assert "responding" in [m.args[0] for m in states]
    hits = [m for m in oscdump.lines if m.address.startswith("/drumbridge/drum/")]
    assert hits and all(0.0 < m.args[0] <= 1.0 for m in hits)
