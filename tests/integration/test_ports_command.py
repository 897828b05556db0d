"""`drumbridge ports` lists the virtual ports of a running show (JACK) and serial ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.midi.ports import VirtualInput, VirtualOutput

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent


def test_ports_lists_virtual_ports(jack_server) -> None:  # noqa: ANN001
    port_in = VirtualInput("drumbridge drums in", lambda *a: None)
    port_out = VirtualOutput("drumbridge drums out")
    try:
        env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name, DRUMBRIDGE_MIDI_API="jack")
        result = subprocess.run([sys.executable, "-m", "bridge", "ports", "--json"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=30)
    finally:
        port_in.close()
        port_out.close()
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["midi"]["api"] == "jack"
    assert any(name.endswith(":drumbridge drums in") for name in listing["midi"]["destinations"])
    assert any(name.endswith(":drumbridge drums out") for name in listing["midi"]["sources"])
    assert isinstance(listing["serial"], list)
