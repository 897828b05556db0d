"""The dashboard imports bridge.commands for the command list: that must not pull in the engine, mido or the clock."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_commands_loads_neither_the_engine_nor_mido() -> None:
    code = ("import json, sys, bridge.commands; "
            "print(json.dumps(sorted(m for m in sys.modules if m == 'mido' or m.startswith(('bridge.', 'mido.')))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out))
    assert "bridge.commands" in loaded
    assert not loaded & {"mido", "bridge.engine", "bridge.scheduler", "bridge.clock", "bridge.clock.source"}, loaded
