"""A whole show in real time, received by oscdump (liblo): two live targets, one port with nothing
listening and one host name that does not resolve, none of which may slow the others."""

from __future__ import annotations

import time as wall

import pytest

from bridge.midi.factory import MemoryPorts
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.telemetry import Telemetry
from bridge.timebase import monotonic_time
from tests.rig.oscdump import OscDump, free_udp_port


@pytest.fixture
def second_dump(oscdump):
    if oscdump is None:  # pragma: no cover - the fixture skips when oscdump is missing
        pytest.skip("oscdump missing")
    dump = OscDump()
    yield dump
    dump.close()


def test_beats_bpm_hits_cues_to_two_targets_while_two_others_are_down(oscdump, second_dump) -> None:
    dead_port = free_udp_port()
    config = parse_set(f"""
[clock]
source = "internal"
bpm = 240.0
[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = {oscdump.port}
[[osc.targets]]
name = "second"
host = "127.0.0.1"
port = {second_dump.port}
prefix = "/show"
latency_ms = 30
bundles = true
[[osc.targets]]
name = "down"
host = "127.0.0.1"
port = {dead_port}
[[osc.targets]]
name = "lost"
host = "video-machine.invalid"
port = 9000
[[osc.cues]]
name = "bar"
at = {{ every_bars = 1 }}
args = [{{ map = "bar" }}]
""")
    started = wall.monotonic()
    show = Show(config, MemoryPorts(monotonic_time), monotonic_time, Telemetry())
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    ready = wall.monotonic() - started
    try:
        show.engine.post_command(lambda: show.osc.drum_hit("kick", 0.8, show.clock.beat_at(monotonic_time()) + 1.0))
        first = oscdump.wait_for(9, "/drumbridge/clock/beat", timeout=10)
        second = second_dump.wait_for(9, "/show/clock/beat", timeout=10)
        oscdump.wait_for(2, "/drumbridge/cue/bar", timeout=5)
        second_dump.wait_for(2, "/show/cue/bar", timeout=5)
        show.engine.publish(monotonic_time())
        telemetry = show.telemetry.get("osc")
    finally:
        runner.stop()
    assert ready < 0.5  # the name that cannot resolve did not hold up the start
    expected = [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1)]
    assert [m.args for m in first[:9]] == expected
    assert [m.args for m in second[:9]] == expected  # sent as time-tagged bundles; liblo plays them on time
    assert oscdump.messages("/drumbridge/clock/bpm")[0].args == (240.0,)
    assert oscdump.messages("/drumbridge/clock/transport")[0].args == ("start",)
    assert [m.args for m in oscdump.messages("/drumbridge/drum/kick")] == [(0.8,)]
    assert [m.args for m in second_dump.messages("/show/drum/kick")] == [(0.8,)]
    assert [m.args for m in oscdump.messages("/drumbridge/cue/bar")][:2] == [(1,), (2,)]
    # beats are a quarter note apart at 240 BPM: 7 beats take 1.75 s, as received (loosely: a busy CI box)
    span = first[8].received - first[1].received
    assert 1.55 < span < 1.95, span
    by_name = {t["name"]: t for t in telemetry["targets"]}
    assert by_name["vdmx"]["errors"] == 0 and by_name["second"]["errors"] == 0
    assert by_name["down"]["errors"] > 0 and "refused" in by_name["down"]["last_error"].lower()
    assert by_name["lost"]["state"] in ("resolving", "unresolved") and by_name["lost"]["dropped_unresolved"] > 0
    assert by_name["lost"]["sent"] == 0
