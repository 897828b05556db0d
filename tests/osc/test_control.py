"""OSC control in: a real python-osc client sends each command over UDP; the engine reacts; bad bytes are survived."""

from __future__ import annotations

import socket

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from bridge.clock.ephemera import Transport
from bridge.component import Component
from tests.osc.helpers import UdpReceiver, make_show, run_capturing
from tests.rig.oscdump import free_udp_port
from tests.waiting import wait_until


class PanicCounter(Component):
    name = "panic-counter"

    def __init__(self) -> None:
        self.panics = 0

    def panic(self) -> None:
        self.panics += 1


@pytest.fixture
def rig():
    video = UdpReceiver()
    port = free_udp_port()
    show, time = make_show(f"""
[clock]
source = "internal"
[[osc.targets]]
name = "video"
host = "127.0.0.1"
port = {video.port}
[[osc.cues]]
name = "flash"
args = [1.0]
[osc.listen]
port = {port}
""")
    calls: list[tuple] = []
    show.commands.register("responder.mute", lambda name, muted: calls.append(("mute", name, muted)), "mute")
    show.commands.register("responder.temperature", lambda name, value: calls.append(("temp", name, value)), "temp")
    counter = PanicCounter()
    show.engine.add(counter)
    run_capturing(show.engine, time, 0.1, [video])
    client = SimpleUDPClient("127.0.0.1", port)
    yield show, time, video, client, calls, counter
    show.engine.shutdown()
    video.close()


def settle(show, time, video, received: int, until: float) -> None:
    """Wait for the control thread to take `received` datagrams off the socket, then step the engine."""
    control = show.osc.control
    wait_until(lambda: control.stats.handled >= received)
    run_capturing(show.engine, time, until, [video])


def test_control_listens_on_localhost_only_by_default(rig) -> None:
    show, *_ = rig
    assert show.osc.control.host == "127.0.0.1"
    assert show.osc.control._socket.getsockname()[0] == "127.0.0.1"


def test_each_command_reaches_the_engine(rig) -> None:
    show, time, video, client, calls, counter = rig
    client.send_message("/drumbridge/responder/drums/mute", 1)
    client.send_message("/drumbridge/responder/drums/unmute", [])
    client.send_message("/drumbridge/responder/keys/mute", [])
    client.send_message("/drumbridge/responder/keys/mute", 0.0)
    client.send_message("/drumbridge/responder/drums/temperature", 0.8)
    client.send_message("/drumbridge/responder/drums/temperature", 2)
    client.send_message("/drumbridge/panic", [])
    client.send_message("/drumbridge/cue/flash", 1.0)
    settle(show, time, video, 8, 0.5)
    assert calls == [("mute", "drums", True), ("mute", "drums", False), ("mute", "keys", True),
                     ("mute", "keys", False), ("temp", "drums", pytest.approx(0.8)), ("temp", "drums", 2.0)]
    assert [type(call[2]) for call in calls] == [bool, bool, bool, bool, float, float]
    assert counter.panics == 1
    assert [m.args for m in video.at("/drumbridge/cue/flash")] == [(1.0,)]
    assert show.osc.control.stats.commands == 8


def test_transport_start_stop_and_button_release(rig) -> None:
    show, time, video, client, _calls, _counter = rig
    assert show.clock.transport is Transport.RUNNING
    client.send_message("/drumbridge/transport/stop", 1.0)  # a button press
    settle(show, time, video, 1, 1.0)
    assert show.clock.transport is Transport.STOPPED
    client.send_message("/drumbridge/transport/start", 0.0)  # its release: ignored
    settle(show, time, video, 2, 1.5)
    assert show.clock.transport is Transport.STOPPED and show.osc.control.stats.ignored == 1
    client.send_message("/drumbridge/transport", "continue")
    settle(show, time, video, 3, 2.0)
    assert show.clock.transport is Transport.RUNNING
    assert [m.args[0] for m in video.at("/drumbridge/clock/transport")] == ["start", "stop", "continue"]


def test_a_bundle_of_commands(rig) -> None:
    show, time, video, client, calls, _counter = rig
    bundle = OscBundleBuilder(IMMEDIATELY)
    for address, value in (("/drumbridge/responder/a/mute", True), ("/drumbridge/responder/b/mute", False)):
        message = OscMessageBuilder(address)
        message.add_arg(value)
        bundle.add_content(message.build())
    client.send(bundle.build())
    settle(show, time, video, 1, 0.5)
    assert calls == [("mute", "a", True), ("mute", "b", False)]


def test_malformed_unknown_and_wrong_types_are_counted_never_fatal(rig) -> None:
    show, time, video, client, calls, _counter = rig
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    port = show.osc.control.port
    raw.sendto(b"\x00\x01garbage", ("127.0.0.1", port))
    raw.sendto(b"/drumbridge/panic\0\0\0,i\0\0\0\0", ("127.0.0.1", port))  # int tag, truncated payload
    raw.sendto(b"#bundle\0\0\0\0\0\0\0\0\x01\0\0\0\x40/x", ("127.0.0.1", port))  # bundle lies about its size
    raw.sendto(b"", ("127.0.0.1", port))
    raw.close()
    client.send_message("/drumbridge/nothing/here", 1)
    client.send_message("/elsewhere/panic", [])
    client.send_message("/drumbridge/responder/drums/temperature", "hot")
    client.send_message("/drumbridge/responder/drums/temperature", [0.5, 0.6])
    client.send_message("/drumbridge/responder/drums/mute", 1)  # and it still works
    settle(show, time, video, 9, 0.5)
    stats = show.osc.control.stats
    assert (stats.malformed, stats.unknown, stats.bad_args, stats.commands) == (4, 2, 2, 1)
    assert calls == [("mute", "drums", True)]
    assert show.osc.control._thread.is_alive()
    warnings = [e.message for e in show.telemetry.recent("warning") if e.source == "osc control"]
    assert any("malformed" in w for w in warnings) and any("no command for /nothing/here" in w for w in warnings)
    assert any("expected a number" in w or "could not convert" in w for w in warnings)
    run_capturing(show.engine, time, 0.7, [video])
    assert show.telemetry.get("osc")["control"]["malformed"] == 4


def test_a_taken_port_is_an_error_event_not_a_crash() -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    try:
        show, time = make_show(f"[clock]\nsource = \"internal\"\n[osc.listen]\nport = {port}\n")
        run_capturing(show.engine, time, 0.2, [])
        assert show.osc.control is not None and show.osc.control._thread is None
        assert any("cannot listen on 127.0.0.1" in e.message for e in show.telemetry.recent("error"))
        show.engine.shutdown()
    finally:
        holder.close()


def test_opening_control_to_the_network_is_said_out_loud() -> None:
    port = free_udp_port()
    show, time = make_show(f"[clock]\nsource = \"internal\"\n[osc.listen]\nhost = \"0.0.0.0\"\nport = {port}\n")
    run_capturing(show.engine, time, 0.1, [])
    try:
        assert show.osc.control._socket.getsockname()[0] == "0.0.0.0"
        assert any("open to the network" in e.message for e in show.telemetry.recent("warning"))
    finally:
        show.engine.shutdown()
