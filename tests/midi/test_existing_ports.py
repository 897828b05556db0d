"""Set files name existing ports (another app's, on real JACK): matched, connected, reconnected; errors list them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.midi.api import PortMissing
from bridge.midi.factory import MemoryPorts, RtMidiPorts
from bridge.midi.spec import PortMatchError, match_port
from bridge.midi.watch import PortWatch
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.midi.other import OtherApp
from tests.waiting import wait_until

PORTS = ["system:midi_capture_1", "other-app:loopMIDI Port 1", "other-app:loopMIDI Port 2", "IAC:Bus 1"]
SET = """
[clock]
source = "internal"
connect = "Clock Dest"
bpm = 120
[[responders]]
name = "drums"
model = "builtin:drums"
input_port = "loopMIDI Port 1"
output_port = "Synth"
"""


def test_a_port_is_named_exactly_without_its_client_or_by_a_unique_part() -> None:
    assert match_port(PORTS, "other-app:loopMIDI Port 2") == "other-app:loopMIDI Port 2"
    assert match_port(PORTS, "loopMIDI Port 1") == "other-app:loopMIDI Port 1"
    assert match_port(PORTS, "bus 1") == "IAC:Bus 1"


def test_no_match_or_several_name_the_ports_that_exist() -> None:
    with pytest.raises(PortMatchError, match=r"no MIDI port matches 'Synth'.*IAC:Bus 1"):
        match_port(PORTS, "Synth")
    with pytest.raises(PortMatchError, match=r"'loopMIDI' matches 2 .*Port 1; other-app:loopMIDI Port 2"):
        match_port(PORTS, "loopMIDI")


def test_memory_show_uses_the_set_files_names_for_existing_ports() -> None:
    ports = MemoryPorts(sources=["x:loopMIDI Port 1"], destinations=["x:Synth In", "x:Clock Dest"])
    show = Show(parse_set(SET), ports, monotonic_time)
    assert set(ports.inputs) == {"loopMIDI Port 1"}
    assert set(ports.outputs) == {"Clock Dest", "Synth"}
    show.engine.panic()
    with pytest.raises(PortMatchError, match="no MIDI destination matches 'Synth'"):
        Show(parse_set(SET), MemoryPorts(sources=["x:loopMIDI Port 1"], destinations=["x:Clock Dest"]),
             monotonic_time)


@pytest.fixture
def other_app(jack_server) -> Iterator[OtherApp]:  # noqa: ANN001
    app = OtherApp()
    try:
        yield app
    finally:
        app.close()


@pytest.mark.jack
def test_show_connects_to_another_apps_ports_and_reconnects(other_app: OtherApp) -> None:
    for command in ("source loopMIDI Port 1", "dest Synth In", "dest Clock Dest"):
        other_app.do(command)
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time)
    watch = next(c for c in show.engine.components if isinstance(c, PortWatch))
    watch.interval = 0.1
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    try:
        calls = next(p for p in show.port_set.inputs if p.name == "loopMIDI Port 1")
        answers = next(p for p in show.port_set.outputs if p.name == "Synth")
        assert str(getattr(answers, "target", "")).endswith(":Synth In")

        other_app.wait_for("Clock Dest", [0xF8])  # the internal clock ticks into the other app's port
        other_app.do("send loopMIDI Port 1 | 99 24 64")
        wait_until(lambda: calls.stats.messages == 1)
        answers.send([0x99, 38, 90])
        other_app.wait_for("Synth In", [0x99, 38, 90])

        other_app.do("close loopMIDI Port 1")
        wait_until(lambda: any("went away" in e.message for e in show.telemetry.recent("warning")))
        other_app.do("source loopMIDI Port 1")
        wait_until(lambda: any("'loopMIDI Port 1' open again" in e.message for e in show.telemetry.recent()))
        other_app.do("send loopMIDI Port 1 | 99 24 65")
        wait_until(lambda: calls.stats.messages == 2)
    finally:
        runner.stop()


@pytest.mark.jack
def test_show_refuses_to_start_naming_the_ports_there_are(other_app: OtherApp) -> None:
    other_app.do("source loopMIDI Port 1")
    other_app.do("source loopMIDI Port 2")
    with pytest.raises(PortMissing, match=r"'loopMIDI' matches 2 MIDI sources: other-app\S*:loopMIDI Port 1; "
                                          r"other-app\S*:loopMIDI Port 2"):
        Show(parse_set('[clock]\nsource = "midi"\nconnect = "loopMIDI"\n'), RtMidiPorts(monotonic_time),
             monotonic_time)


@pytest.mark.jack
def test_check_prints_routing_for_both_kinds_and_matches_existing_ports(other_app: OtherApp, tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    from tests.midi.other import ROOT

    for command in ("source loopMIDI Port 1", "dest Clock Dest"):
        other_app.do(command)
    path = tmp_path / "existing.toml"
    path.write_text(SET + '[[responders]]\nname = "bass"\nmodel = "builtin:drums"\n')
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "bridge", "check", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    out = result.stdout
    assert "loopMIDI Port 1 (existing)" in out and "Clock Dest (existing)" in out and "Synth (existing)" in out
    assert "drumbridge bass in" in out and "drumbridge bass out" in out  # the virtual kind, as before
    assert "'loopMIDI Port 1' -> other-app" in out and "'Clock Dest' -> other-app" in out
    assert "error: no MIDI destination matches 'Synth' (there are: " in out and ":Clock Dest" in out
    assert result.returncode == 2, result.stderr


def test_drum_reads_notes_from_an_existing_port() -> None:
    from bridge.drum.transport import MemoryTransport
    from bridge.runner import run_virtual
    from bridge.timebase import ManualTime

    time = ManualTime()
    ports = MemoryPorts(time, sources=["pads:Pads MIDI 1"])
    link = MemoryTransport(time_source=time)
    text = '[clock]\nsource = "internal"\n\n[drum]\nconnect = "{}"\n'
    show = Show(parse_set(text.format("Pads")), ports, time, drum_link=link)
    link.plug()
    assert "drumbridge drum in" not in ports.inputs
    run_virtual(show.engine, time, 1.0, inputs=[(0.5, "Pads", [0x99, 36, 127])])
    assert [b for _t, b in link.written if b[0] == 0x99] == [bytes((0x99, 36, 127))]
    with pytest.raises(PortMatchError, match=r"no MIDI source matches 'Drums' \(there are: pads:Pads MIDI 1\)"):
        Show(parse_set(text.format("Drums")), MemoryPorts(time, sources=["pads:Pads MIDI 1"]), time,
             drum_link=MemoryTransport(time_source=time))


@pytest.mark.jack
def test_run_refuses_a_missing_existing_port_with_one_clear_line(jack_server, tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    from tests.midi.other import ROOT

    path = tmp_path / "missing.toml"
    path.write_text('[clock]\nsource = "internal"\nconnect = "no such port anywhere"\n')
    result = subprocess.run([sys.executable, "-m", "bridge", "run", str(path), "--headless", "--seconds", "1"],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "drumbridge: no MIDI destination matches 'no such port anywhere' (there are: " in result.stderr
    assert "nothing started" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.jack
def test_midi_clock_is_followed_from_an_existing_port(other_app: OtherApp) -> None:
    other_app.do("source Live Clock Out")
    show = Show(parse_set('[clock]\nsource = "midi"\nconnect = "live clock"\n'), RtMidiPorts(monotonic_time),
                monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    try:
        assert show.engine.clock_port == "live clock"
        other_app.do("send Live Clock Out | fa")
        for _ in range(48):
            other_app.do("send Live Clock Out | f8")
        wait_until(lambda: show.engine.clock.ticks == 48)
        assert show.engine.clock.transport.name == "RUNNING"
    finally:
        runner.stop()
