"""jackd stops and comes back under a running show: noticed, said loudly, clock goes on, ports re-created."""

from __future__ import annotations

import shutil
import uuid

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.jack_server import JackServer
from bridge.midi.watch import PortWatch
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.midi.other import OtherApp
from tests.waiting import wait_until

pytestmark = [pytest.mark.jack, pytest.mark.jackd_restart]
SET = """
[clock]
source = "internal"
bpm = 240
[[responders]]
name = "drums"
model = "builtin:drums"
"""


def events(show: Show, text: str, level: str | None = None) -> list[str]:
    return [e.message for e in show.telemetry.recent(level) if text in e.message]


def test_show_notices_a_jackd_restart_keeps_time_and_recreates_its_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("jackd") is None:
        pytest.skip("jackd not installed")
    name = f"dbrestart-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("DRUMBRIDGE_MIDI_API", "jack")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    server = JackServer(name).start()
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time)
    watch = next(c for c in show.engine.components if isinstance(c, PortWatch))
    watch.interval = 0.1
    clock_out = next(p for p in show.port_set.outputs if p.name == "drumbridge clock out")
    calls = next(p for p in show.port_set.inputs if p.name == "drumbridge drums in")
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    try:
        app = OtherApp(name)
        app.do("listen drumbridge clock out")
        app.wait_for("drumbridge clock out", [0xF8])
        app.close()

        server.stop()  # jackd goes away under the running show
        wait_until(lambda: events(show, "JACK server went away", "error"), timeout=5.0)
        wait_until(lambda: show.telemetry.get("midi_system").get("server") == "down")
        wait_until(lambda: not any(p["present"] for p in show.telemetry.get("ports")["outputs"]))  # dashboard: MISSING
        beat = show.clock.beat_at(monotonic_time())
        wait_until(lambda: show.clock.beat_at(monotonic_time()) > beat + 2, timeout=5.0)  # the clock goes on
        errors = clock_out.stats.errors
        wait_until(lambda: clock_out.stats.errors > errors)  # ticks into the void are counted, not raised

        server.start()  # a server is back (same name, new process)
        wait_until(lambda: events(show, "JACK server is back"), timeout=5.0)
        wait_until(lambda: all(getattr(p, "is_open", False) for p in [*show.port_set.inputs, *show.port_set.outputs]))
        assert watch.server_restarts == 1
        wait_until(lambda: all(p["present"] for p in show.telemetry.get("ports")["inputs"]))

        app = OtherApp(name)
        app.do("listen drumbridge clock out")
        app.wait_for("drumbridge clock out", [0xF8])  # the clock port is back and ticking
        app.do("to drumbridge drums in")
        before = calls.stats.messages
        app.do("send drumbridge drums in | 99 24 64")
        wait_until(lambda: calls.stats.messages > before)  # the responder's input is back too
        app.close()
    finally:
        runner.stop()
        server.stop()
