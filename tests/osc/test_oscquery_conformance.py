"""OSCQuery conformance, checked by an independent client written from the proposal (urllib + websocket-client).

The show runs in virtual time on in-memory MIDI ports; the OSCQuery server is real (HTTP and websocket on a
loopback port), and so is the OSC control port the values are changed through.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket  # websocket-client: a different implementation from the server's `websockets`
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from bridge.midi.factory import MemoryPorts
from bridge.osc.oscquery import OscQueryServer
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime
from tests.osc.helpers import run_capturing
from tests.rig.oscdump import free_udp_port

RESPONDER = "/drumbridge/responder/drums"


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, None


class Live:
    """A show stepped in virtual time on the test thread, with its OSCQuery and control ports open."""

    def __init__(self) -> None:
        self.osc_port, self.http_port = free_udp_port(), free_tcp_port()
        self.time = ManualTime()
        self.show = Show(parse_set(f"""
[clock]
source = "internal"
bpm = 120.0

[[responders]]
name = "drums"
model = "builtin:drums"

[[osc.cues]]
name = "flash"

[osc.listen]
port = {self.osc_port}
oscquery_port = {self.http_port}
advertise = false
"""), MemoryPorts(self.time), self.time)
        self.until = 0.0
        self.step(0.3)

    def step(self, seconds: float = 0.3) -> None:
        """Run the show on (commands are applied, telemetry published at least once)."""
        self.until += seconds
        run_capturing(self.show.engine, self.time, self.until, [])

    def control(self, address: str, *args: Any) -> None:
        """Send an OSC control message over UDP and wait until the control thread has dealt with it."""
        stats = self.show.osc.control.stats
        handled = stats.handled
        SimpleUDPClient("127.0.0.1", self.osc_port).send_message(address, list(args))
        deadline = threading.Event()
        for _ in range(500):
            if stats.handled > handled:
                break
            deadline.wait(0.01)
        assert stats.handled > handled, f"control port never handled {address}"
        self.step()


@pytest.fixture
def live() -> Iterator[Live]:
    show = Live()
    yield show
    show.show.engine.shutdown()


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("CONTENTS", {}).values():
        yield from walk(child)


def test_every_node_has_what_a_client_needs_to_build_a_control(live: Live) -> None:
    status, root = get(live.http_port, "/")
    assert status == 200
    leaves = [n for n in walk(root) if "CONTENTS" not in n]
    assert len(leaves) > 15
    for node in walk(root):
        assert node["FULL_PATH"].startswith("/"), node
        assert node["ACCESS"] in (0, 1, 2, 3), node
    for leaf in leaves:
        assert "TYPE" in leaf and "DESCRIPTION" in leaf, leaf
        numeric = leaf["TYPE"] and all(t in "ifhd" for t in leaf["TYPE"])
        if numeric and leaf["ACCESS"] & 2:
            assert len(leaf["RANGE"]) == len(leaf["TYPE"]), leaf
        if leaf["ACCESS"] & 1 and not leaf["FULL_PATH"].startswith(("/drumbridge/drum/", "/drumbridge/cue/")) \
                and not leaf["FULL_PATH"].endswith("/note"):
            assert len(leaf["VALUE"]) == len(leaf["TYPE"]), leaf  # every stateful readable leaf has its value
    temperature = get(live.http_port, f"{RESPONDER}/temperature")[1]
    assert temperature["TYPE"] == "f" and temperature["ACCESS"] == 3
    assert temperature["VALUE"] == [1.0] and temperature["RANGE"] == [{"MIN": 0.05, "MAX": 4.0}]
    assert get(live.http_port, f"{RESPONDER}/mute")[1]["VALUE"] == [False]
    assert get(live.http_port, f"{RESPONDER}/loop")[1]["VALUE"] == [False]
    state = get(live.http_port, f"{RESPONDER}/state")[1]
    assert state["VALUE"] == [live.show.telemetry.get("responder.drums")["state"]]
    assert state["RANGE"] == [{"VALS": ["idle", "listening", "generating", "responding"]}]
    assert get(live.http_port, f"{RESPONDER}/model")[1]["RANGE"] == [{"VALS": ["builtin:drums"]}]
    assert get(live.http_port, "/drumbridge/clock/bpm")[1]["VALUE"] == [120.0]
    assert get(live.http_port, "/drumbridge/clock/transport")[1]["VALUE"] == ["start"]
    panic = get(live.http_port, "/drumbridge/panic")[1]
    assert panic["TYPE"] == "" and panic["ACCESS"] == 2 and "VALUE" not in panic


def test_the_vdmx_mapping_guide_shows_what_the_server_serves(live: Live) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "osc.md").read_text()
    section = docs[docs.index("### Mapping in VDMX"):]
    example = json.loads(section[section.index("```json") + 7:section.index("```", section.index("```json") + 7)])
    assert get(live.http_port, example["FULL_PATH"]) == (200, example)


def test_host_info_and_status_codes(live: Live) -> None:
    status, info = get(live.http_port, "/anything?HOST_INFO")
    assert status == 200
    assert info["NAME"] == "drumbridge" and info["OSC_PORT"] == live.osc_port and info["OSC_TRANSPORT"] == "UDP"
    assert all(info["EXTENSIONS"][k] is True for k in ("ACCESS", "VALUE", "RANGE", "DESCRIPTION", "LISTEN",
                                                       "PATH_ADDED", "PATH_REMOVED"))
    assert get(live.http_port, "/drumbridge/nothing")[0] == 404
    assert get(live.http_port, "/drumbridge/clock/beat?COLOUR")[0] == 400
    assert get(live.http_port, "/drumbridge/panic?VALUE")[0] == 204  # write-only: no value to read
    assert get(live.http_port, "/drumbridge/panic?RANGE")[0] == 204
    assert get(live.http_port, f"{RESPONDER}/temperature?VALUE") == (200, {"VALUE": [1.0]})
    assert get(live.http_port, "/drumbridge/clock/beat?TYPE") == (200, {"TYPE": "ii"})


def receive(ws: websocket.WebSocket) -> tuple[str, Any]:
    """The next frame: ("osc", (address, args)) for binary, ("json", object) for text."""
    opcode, data = ws.recv_data()
    if opcode == websocket.ABNF.OPCODE_BINARY:
        message = OscMessage(data)
        return "osc", (message.address, list(message.params))
    return "json", json.loads(data)


def test_listen_streams_values_whoever_changed_them(live: Live) -> None:
    ws = websocket.create_connection(f"ws://127.0.0.1:{live.http_port}/", timeout=5)
    try:
        ws.send(json.dumps({"COMMAND": "LISTEN", "DATA": f"{RESPONDER}/temperature"}))
        assert receive(ws) == ("osc", (f"{RESPONDER}/temperature", [1.0]))  # the current value at once

        live.control(f"{RESPONDER}/temperature", 1.5)  # a VJ's OSC slider
        assert receive(ws) == ("osc", (f"{RESPONDER}/temperature", [1.5]))

        live.show.commands.submit("responder.temperature", "drums", 0.5)  # the dashboard
        live.step()
        assert receive(ws) == ("osc", (f"{RESPONDER}/temperature", [0.5]))

        live.show.engine.post_midi("drumbridge drums in", [0xB9, 20, 127], live.time())  # a MIDI CC knob
        live.step()
        kind, (address, args) = receive(ws)
        assert (kind, address) == ("osc", f"{RESPONDER}/temperature") and args[0] == pytest.approx(2.0)

        ws.send(json.dumps({"COMMAND": "LISTEN", "DATA": f"{RESPONDER}/mute"}))
        assert receive(ws) == ("osc", (f"{RESPONDER}/mute", [False]))
        ws.send(json.dumps({"COMMAND": "IGNORE", "DATA": f"{RESPONDER}/temperature"}))
        live.control(f"{RESPONDER}/temperature", 3.0)
        live.control(f"{RESPONDER}/mute", 1)
        assert receive(ws) == ("osc", (f"{RESPONDER}/mute", [True]))  # and no temperature frame before it
    finally:
        ws.close()


def test_the_tempo_is_a_slider_that_sets_the_internal_clock(live: Live) -> None:
    tempo = get(live.http_port, "/drumbridge/tempo")[1]
    assert tempo["TYPE"] == "f" and tempo["ACCESS"] == 3 and tempo["VALUE"] == [120.0]
    assert tempo["RANGE"] == [{"MIN": 20.0, "MAX": 400.0}]
    live.control("/drumbridge/tempo", 140.0)
    assert live.show.clock.bpm == pytest.approx(140.0)
    assert get(live.http_port, "/drumbridge/tempo?VALUE") == (200, {"VALUE": [140.0]})
    live.control("/drumbridge/tempo", 1000.0)  # out of range: refused, said, the tempo stays
    assert live.show.clock.bpm == pytest.approx(140.0)
    assert any("tempo must be 20..400" in e.message for e in live.show.telemetry.recent("error"))


def test_path_added_when_the_namespace_grows(live: Live) -> None:
    ws = websocket.create_connection(f"ws://127.0.0.1:{live.http_port}/", timeout=5)
    try:
        ws.send(json.dumps({"COMMAND": "LISTEN", "DATA": "/drumbridge/clock/bpm"}))
        assert receive(ws)[0] == "osc"
        live.show.osc.declare(voices=["cowbell"])
        assert receive(ws) == ("json", {"COMMAND": "PATH_ADDED", "DATA": "/drumbridge/drum/cowbell"})
        assert get(live.http_port, "/drumbridge/drum/cowbell")[0] == 200
    finally:
        ws.close()


def served(**options: Any) -> OscQueryServer:
    tree = {"FULL_PATH": "/", "ACCESS": 0, "DESCRIPTION": "t", "CONTENTS": {}}
    server = OscQueryServer("127.0.0.1", 0, lambda: tree, {"NAME": "t"}, **options)
    server.start()
    return server


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_half_sent_requests_are_cut_off_and_capped_without_a_thread_each() -> None:
    server = served(max_connections=8, request_timeout=0.5)
    threads = threading.active_count()
    socks = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
            socks.append(sock)
        assert threading.active_count() == threads
        assert all(closed_by_server(s, 5.0) for s in socks), "a half-sent request was kept open"
        assert server.stats.refused >= 12
        assert get(server.port, "/")[0] == 200  # serving again once they are gone
    finally:
        for sock in socks:
            sock.close()
        server.close()


def test_slow_drip_request_is_cut_at_the_total_time_limit() -> None:
    server = served(request_timeout=0.5)
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.settimeout(0.1)
        cut = False
        for byte in b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 60:
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":
                    cut = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
        assert cut, "one byte every 0.1 s kept the request open past its 0.5 s limit"
    finally:
        sock.close()
        server.close()


def test_a_client_that_disconnects_mid_answer_leaves_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    server = served()
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()  # reset before the answer is read
        assert get(server.port, "/")[0] == 200
    finally:
        server.close()
    assert "Traceback" not in capfd.readouterr().err
