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


def _bundles(address: str, per_bundle: int, count: int, *args: object) -> list[bytes]:
    builder = OscBundleBuilder(IMMEDIATELY)
    for _ in range(per_bundle):
        message = OscMessageBuilder(address)
        for arg in args:
            message.add_arg(arg)
        builder.add_content(message.build())
    dgram = builder.build().dgram
    return [dgram] * count


def test_a_flood_of_panic_bundles_is_dropped_and_counted_not_queued(rig) -> None:
    show, time, video, client, calls, counter = rig
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dgrams = _bundles("/drumbridge/panic", 2000, 34)  # 68,000 /panic in 34 datagrams
    for i, dgram in enumerate(dgrams):
        sock.sendto(dgram, ("127.0.0.1", show.osc.control.port))
        # one at a time, so the kernel's socket buffer drops none
        wait_until(lambda i=i: show.osc.control.stats.handled > i, interval=0.001)
    sock.close()
    settle(show, time, video, 34, 0.2)  # virtual time stands still: only the budget's burst is spent
    stats = show.osc.control.stats
    assert counter.panics <= 50  # engine.panic ran a burst's worth at most, not 68,000 times
    assert counter.panics >= 1
    assert stats.commands == counter.panics
    assert stats.dropped > 0
    assert stats.received == 34
    assert len(show.engine._commands) == 0  # nothing left queued
    before = counter.panics
    time.advance(1.0)  # a second later the budget has refilled: control works again
    client.send_message("/drumbridge/panic", [])
    settle(show, time, video, 35, 1.3)
    assert counter.panics == before + 1


def test_three_hundred_mutates_in_a_bundle_run_a_few(rig) -> None:
    show, time, video, client, calls, counter = rig
    mutated: list[str] = []
    show.commands.register("responder.mutate", lambda name: mutated.append(name), "mutate")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(_bundles("/drumbridge/responder/drums/mutate", 300, 1)[0], ("127.0.0.1", show.osc.control.port))
    sock.close()
    settle(show, time, video, 1, 0.2)
    assert 1 <= len(mutated) <= 8
    assert show.osc.control.stats.dropped == 300 - len(mutated)


def test_calibration_over_osc_is_off_unless_the_set_allows_it(rig) -> None:
    show, time, video, client, calls, counter = rig
    calibrated: list[tuple] = []
    def calibrate(motor, forward_ms, pause_ms, back_ms, latency_ms, save) -> None:  # noqa: ANN001
        calibrated.append((motor, forward_ms))

    show.commands.register("drum.calibrate", calibrate, "calibrate")
    show.commands.register("drum.save", lambda: calibrated.append(("save",)), "save")
    client.send_message("/drumbridge/drum/calibrate", [0, 40, 10, 20, 5, 1])
    client.send_message("/drumbridge/drum/save", [])
    settle(show, time, video, 2, 0.2)
    assert calibrated == []
    assert show.osc.control.stats.refused == 2
    show.osc.control.allow_calibration = True  # what `allow_calibration = true` under [osc.listen] sets
    client.send_message("/drumbridge/drum/save", [])
    settle(show, time, video, 3, 0.3)
    assert calibrated == [("save",)]


def test_allow_calibration_is_a_set_file_key() -> None:
    from bridge.setfile import parse_set
    assert parse_set("[osc.listen]\nport = 9001\n").osc.listen.allow_calibration is False
    assert parse_set("[osc.listen]\nallow_calibration = true\n").osc.listen.allow_calibration is True


def test_repeated_problems_are_logged_once_a_second_with_a_count(rig) -> None:
    show, time, video, client, calls, counter = rig
    events = show.engine.telemetry.subscribe()
    long_name = "x" * 5000
    control = show.osc.control
    for batch in range(5):  # 250 KB at once can overrun a socket buffer on a busy machine: UDP then drops
        for _ in range(10):
            client.send_message(f"/drumbridge/nothing/{long_name}", [])
        wait_until(lambda n=10 * (batch + 1): control.stats.handled >= n)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(50):
        sock.sendto(b"#bundle\x00garbage", ("127.0.0.1", show.osc.control.port))
    sock.close()
    settle(show, time, video, 100, 0.2)
    lines = []
    while not events.empty():
        lines.append(events.get_nowait())
    control_lines = [e for e in lines if e.source == "osc control"]
    assert len(control_lines) == 2  # one per kind (unknown, malformed) in this virtual second
    assert all(len(e.message) < 400 for e in control_lines)
    stats = show.osc.control.stats
    assert stats.unknown == 50 and stats.malformed == 50 and stats.commands == 0
    time.advance(1.5)
    client.send_message(f"/drumbridge/nothing/{long_name}", [])
    settle(show, time, video, 101, 1.7)
    later = []
    while not events.empty():
        later.append(events.get_nowait())
    assert any("(+49 more like this)" in e.message for e in later if e.source == "osc control")


def test_python_osc_own_warnings_are_rate_limited(rig, caplog: pytest.LogCaptureFixture) -> None:
    show, time, video, client, calls, counter = rig
    content = b"zzzz" * 300  # neither a message nor a bundle: python-osc logs the whole thing itself
    dgram = b"#bundle\x00" + b"\x00\x00\x00\x00\x00\x00\x00\x01" + len(content).to_bytes(4, "big") + content
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with caplog.at_level("WARNING"):
        for _ in range(40):
            sock.sendto(dgram, ("127.0.0.1", show.osc.control.port))
        settle(show, time, video, 40, 0.2)
    sock.close()
    from_python_osc = [r for r in caplog.records if "pythonosc" in r.pathname]
    assert len(from_python_osc) == 1
    assert len(from_python_osc[0].getMessage()) < 400
