"""OSC control in, sent by liblo's `oscsend` (not our code), steers a running responder."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bridge.midi.factory import MemoryPorts
from bridge.responders.loader import with_models
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.responders.fakes import ToyDrums
from tests.rig.oscdump import free_udp_port
from tests.waiting import wait_until


@pytest.mark.skipif(shutil.which("oscsend") is None, reason="oscsend not installed (liblo-tools)")
def test_oscsend_steers_the_responder() -> None:
    port = free_udp_port()
    show = Show(parse_set(f'''
[clock]
source = "internal"
bpm = 120.0
[osc.listen]
host = "127.0.0.1"
port = {port}
[[responders]]
name = "drums"
model = "test:osc-toy"
models = ["test:osc-other"]
'''), MemoryPorts(monotonic_time), monotonic_time,
                models=with_models({"test:osc-toy": ToyDrums, "test:osc-other": lambda: ToyDrums("other")}))
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    r = show.responders[0]

    def send(address: str, *typed: str) -> None:
        subprocess.run(["oscsend", "127.0.0.1", str(port), f"/drumbridge/responder/drums/{address}", *typed],
                       check=True, timeout=5)
    try:
        send("temperature", "f", "0.5")
        wait_until(lambda: r.temperature == 0.5)
        send("temperature_step", "f", "0.25")
        wait_until(lambda: r.temperature == 0.75)
        send("mute")
        wait_until(lambda: r.muted)
        send("unmute")
        wait_until(lambda: not r.muted)
        send("loop", "i", "1")
        wait_until(lambda: r.settings.looping)
        send("bars", "ii", "1", "4")
        wait_until(lambda: (r.settings.call_bars, r.settings.answer_bars) == (1, 4))
        send("model", "s", "other")
        wait_until(lambda: r.generator.name == "other")
        send("temperature", "f", "9.0")  # out of range: clamped, and said so
        wait_until(lambda: r.temperature == 4.0)
        wait_until(lambda: any("temperature 9 is outside 0.05..4; set to 4" in e.message
                               for e in show.telemetry.recent("warning")))
    finally:
        runner.stop()
