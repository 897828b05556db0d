"""OSCQuery: the namespace as JSON over real HTTP, per the OSCQuery proposal's core."""

from __future__ import annotations

import json
import time as wall
import urllib.error
import urllib.request

import pytest

from tests.osc.helpers import make_show, run_capturing
from tests.rig.oscdump import free_udp_port


def free_tcp_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            body = response.read()
            assert response.headers["Content-Type"] == "application/json"
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, None


def serve(advertise: bool):
    osc_port, http_port = free_udp_port(), free_tcp_port()
    show, time = make_show(f"""
[clock]
source = "internal"
[[osc.cues]]
name = "flash"
[osc.listen]
port = {osc_port}
oscquery_port = {http_port}
advertise = {str(advertise).lower()}
""")
    show.commands.register("responder.mute", lambda name, muted: None, "mute or unmute a responder")
    show.commands.register("responder.temperature", lambda name, value: None, "sampling temperature")
    show.osc.declare(responders=["drums"], voices=["kick"])
    run_capturing(show.engine, time, 0.2, [])
    yield show, osc_port, http_port
    show.engine.shutdown()


@pytest.fixture
def served():
    yield from serve(advertise=False)


@pytest.fixture
def announced():
    yield from serve(advertise=True)


def test_host_info_names_the_control_port(served) -> None:
    _show, osc_port, http_port = served
    status, info = get(http_port, "/?HOST_INFO")
    assert status == 200
    assert info["OSC_PORT"] == osc_port and info["OSC_TRANSPORT"] == "UDP" and info["OSC_IP"] == "127.0.0.1"
    assert info["EXTENSIONS"]["ACCESS"] is True


def test_the_tree_lists_control_and_output_addresses(served) -> None:
    _show, _osc_port, http_port = served
    status, root = get(http_port, "/")
    assert status == 200 and root["FULL_PATH"] == "/"
    drumbridge = root["CONTENTS"]["drumbridge"]
    assert drumbridge["FULL_PATH"] == "/drumbridge"
    temperature = drumbridge["CONTENTS"]["responder"]["CONTENTS"]["drums"]["CONTENTS"]["temperature"]
    assert temperature == {"FULL_PATH": "/drumbridge/responder/drums/temperature", "TYPE": "f", "ACCESS": 3,
                           "RANGE": [{"MIN": 0.05, "MAX": 4.0}], "DESCRIPTION": "sampling temperature (values: value)"}
    status, beat = get(http_port, "/drumbridge/clock/beat")
    assert status == 200 and beat["TYPE"] == "ii" and beat["ACCESS"] == 1
    assert get(http_port, "/drumbridge/drum/kick")[1]["TYPE"] == "f"
    assert get(http_port, "/drumbridge/cue/flash")[1]["ACCESS"] == 3  # fired by control, sent to targets
    assert get(http_port, "/drumbridge/panic")[1]["ACCESS"] == 2
    assert get(http_port, "/drumbridge/clock/beat?TYPE") == (200, {"TYPE": "ii"})


def test_unknown_paths_and_attributes(served) -> None:
    _show, _osc_port, http_port = served
    assert get(http_port, "/drumbridge/nothing")[0] == 404
    assert get(http_port, "/drumbridge/clock/beat?COLOUR")[0] == 400
    assert get(http_port, "/drumbridge/panic?TYPE") == (200, {"TYPE": ""})  # an argument-less command
    assert get(http_port, "/drumbridge/panic?RANGE")[0] == 204


def test_announced_with_bonjour_on_the_listen_interface(announced) -> None:
    zeroconf = pytest.importorskip("zeroconf", reason="the zeroconf package is the optional 'oscquery' extra")
    show, osc_port, http_port = announced
    assert show.osc.advertiser is not None
    assert show.osc.advertiser.registered.wait(15), "not registered within 15 s"
    browser_zc = zeroconf.Zeroconf(interfaces=["127.0.0.1"], ip_version=zeroconf.IPVersion.V4Only)

    def port_of(kind: str) -> int | None:
        names: list[str] = []
        browser = zeroconf.ServiceBrowser(browser_zc, kind, handlers=[lambda **event: names.append(event["name"])])
        try:
            deadline = wall.monotonic() + 10
            while wall.monotonic() < deadline:  # mDNS answers take their time: an external protocol
                for name in list(names):
                    info = browser_zc.get_service_info(kind, name, timeout=1000)
                    if info is not None and info.port in (http_port, osc_port):
                        return info.port
                wall.sleep(0.05)
            return None
        finally:
            browser.cancel()

    try:
        assert port_of("_oscjson._tcp.local.") == http_port
        assert port_of("_osc._udp.local.") == osc_port
    finally:
        browser_zc.close()


def test_the_control_namespace_follows_the_registered_commands() -> None:
    from bridge.commands import CommandSpec
    from bridge.osc.namespace import control_addresses

    specs = [CommandSpec("panic", "all off", ()), CommandSpec("transport", "t", ("action",)),
             CommandSpec("osc.cue", "cue", ("name",)), CommandSpec("responder.mute", "mute", ("name", "muted")),
             CommandSpec("responder.loop", "loop the answer", ("name", "on")),
             CommandSpec("drum.test", "strike a motor", ("motor", "velocity"))]
    paths = {a.path: a for a in control_addresses(specs, responders=["keys"], cues=["flash"])}
    assert set(paths) == {"/panic", "/transport/start", "/transport/stop", "/transport/continue", "/cue/flash",
                          "/responder/keys/mute", "/responder/keys/unmute", "/responder/keys/loop", "/drum/test"}
    assert paths["/responder/keys/mute"].types == "T"
    assert "motor, velocity" in paths["/drum/test"].description
