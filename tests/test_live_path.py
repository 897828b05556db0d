"""The live path (`drumbridge run`) never imports TensorFlow, Magenta or the dashboard's Textual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
from bridge.cli.main import build_parser
from bridge.midi.factory import MemoryPorts
from bridge.runner import run_virtual
from bridge.setfile import load_set
from bridge.show import Show
from bridge.timebase import ManualTime
build_parser()  # every subcommand registered, as `drumbridge run` does
for name in ("demo.toml", "modulshtein.toml"):
    time = ManualTime()
    show = Show(load_set("live_sets/" + name), MemoryPorts(time), time)
    run_virtual(show.engine, time, until=12.0)
    show.engine.shutdown()
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"tensorflow", "magenta", "note_seq", "textual", "tui"})
print(json.dumps(heavy))
"""


def test_running_the_shipped_sets_imports_no_tensorflow_and_no_ui() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
