"""Remote attach over a real TCP socket: attach, see state, send commands, detach; the show keeps running."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pydantic
import pytest

from bridge.cli.main import main
from bridge.commands import CommandError
from bridge.remote.client import RemoteClient, RemoteError, parse_address
from bridge.remote.config import DashboardConfig
from bridge.remote.protocol import decode
from bridge.remote.server import RemoteServer
from bridge.setfile import SetFileError, parse_set
from bridge.show import Show
from bridge.timebase import ManualTime
from tests.tui.show_rig import StandIn, make_show, step
from tests.waiting import wait_until
from tui.app import DashboardApp


@pytest.fixture
def served() -> Iterator[tuple[Show, ManualTime, StandIn, RemoteServer]]:
    show, clock, stand_in, _ports = make_show()
    server = RemoteServer(show.telemetry, show.commands, "127.0.0.1", 0, show_name="pilot").start()
    try:
        yield show, clock, stand_in, server
    finally:
        server.stop()


def test_attach_see_state_send_panic_detach_and_the_show_keeps_running(served) -> None:
    show, clock, stand_in, server = served
    client = RemoteClient(*server.address).connect()
    wait_until(lambda: client.snapshot()["state"].get("clock", {}).get("transport") == "running")
    snap = client.snapshot()
    assert client.show_name == "pilot" and snap["link"]["connected"]
    assert snap["state"]["responder.drums"]["temperature"] == 1.0
    assert any("transport start" in e["message"] for e in snap["log"])
    assert {"panic", "transport", "drum.test"} <= {s.name for s in client.specs()}

    client.submit("panic")
    client.submit("drum.test", 3, 90)
    wait_until(lambda: stand_in.panics == 1 and ("drum.test", 3, 90) in stand_in.calls, pump=lambda: step(show, clock))

    beat_before = show.telemetry.get("clock")["beat"]
    client.close()
    wait_until(lambda: server.client_count == 0)
    step(show, clock, 2.0)
    assert show.telemetry.get("clock")["beat"] > beat_before + 3, "the show stopped with the dashboard"
    assert any("detached" in e.message for e in show.telemetry.recent())


def test_dashboard_app_over_the_socket_sends_panic_and_detaches_without_asking(served) -> None:
    show, clock, stand_in, server = served
    client = RemoteClient(*server.address).connect()
    wait_until(lambda: bool(client.snapshot()["state"]))
    app = DashboardApp(client)

    async def go() -> bool:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.2)
            await pilot.press("p", "q")
            await pilot.pause()
            return app.is_running
    try:
        assert asyncio.run(go()) is False  # q detaches at once: quitting a remote dashboard never stops the show
        wait_until(lambda: stand_in.panics == 1, pump=lambda: step(show, clock))
    finally:
        client.close()


def test_a_bad_command_is_refused_before_it_leaves(served) -> None:
    _show, _clock, _stand_in, server = served
    client = RemoteClient(*server.address).connect()
    try:
        with pytest.raises(CommandError, match="no command 'explode'"):
            client.submit("explode")
        with pytest.raises(CommandError, match="takes 2 arguments"):
            client.submit("drum.test", 1, 2, 3)
    finally:
        client.close()


def test_wrong_token_is_refused_and_the_right_one_attaches() -> None:
    show, _clock, _stand_in, _ports = make_show()
    server = RemoteServer(show.telemetry, show.commands, "127.0.0.1", 0, token="s3cret-token").start()
    try:
        with pytest.raises(RemoteError, match="wrong or missing token"):
            RemoteClient(*server.address, token="guess").connect()
        RemoteClient(*server.address, token="s3cret-token").connect().close()
    finally:
        server.stop()


def lan_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_a_peer_beyond_localhost_needs_the_token() -> None:
    address = lan_address()
    if address is None:
        pytest.skip("no non-loopback interface on this machine")
    show, _clock, _stand_in, _ports = make_show()
    server = RemoteServer(show.telemetry, show.commands, "0.0.0.0", 0, token="s3cret-token").start()
    try:
        port = server.address[1]
        with pytest.raises(RemoteError, match="wrong or missing token"):
            RemoteClient(address, port).connect()
        RemoteClient(address, port, token="s3cret-token").connect().close()
    finally:
        server.stop()


def test_lan_listening_needs_a_token_in_the_set_file() -> None:
    with pytest.raises(SetFileError, match="dashboard: .*token"):
        parse_set('[dashboard]\nhost = "0.0.0.0"\n')
    assert parse_set('[dashboard]\nhost = "0.0.0.0"\ntoken = "long-enough"\n').dashboard.port == 7420
    assert DashboardConfig().host == "127.0.0.1"
    with pytest.raises(pydantic.ValidationError):
        DashboardConfig(refresh_hz=100)
    with pytest.raises(ValueError, match="needs a token"):
        RemoteServer(None, None, "0.0.0.0", 0)  # type: ignore[arg-type]


def test_garbage_on_the_socket_is_refused_and_the_show_does_not_notice(served) -> None:
    show, clock, _stand_in, server = served
    with socket.create_connection(server.address, timeout=5) as raw:
        raw.sendall(b'{"type": "command", "name": "panic"}\n')
        reply = decode(raw.makefile("rb").readline())
    assert reply == {"type": "denied", "reason": "expected hello first"}
    with socket.create_connection(server.address, timeout=5) as raw:
        raw.sendall(b"\xff\xfe not json\n")
        assert raw.recv(100) == b""  # dropped
    beat = show.telemetry.get("clock")["beat"]
    step(show, clock, 1.0)
    assert show.telemetry.get("clock")["beat"] > beat


def test_the_client_notices_when_the_show_goes_away(served) -> None:
    _show, _clock, _stand_in, server = served
    client = RemoteClient(*server.address).connect()
    try:
        server.stop()
        wait_until(lambda: not client.snapshot()["link"]["connected"])
        assert "retrying" in client.snapshot()["link"]["detail"]
        with pytest.raises(CommandError, match="not connected"):
            client.submit("panic")
    finally:
        client.close()


def test_parse_address() -> None:
    assert parse_address("10.0.0.5:7000", 7420) == ("10.0.0.5", 7000)
    assert parse_address("stage-pc", 7420) == ("stage-pc", 7420)
    assert parse_address(":7001", 7420) == ("127.0.0.1", 7001)
    assert parse_address("[::1]:7002", 7420) == ("::1", 7002)
    with pytest.raises(ValueError, match="port must be"):
        parse_address("host:http", 7420)


def test_dashboard_command_names_an_address_with_nothing_listening(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    assert main(["dashboard", "--connect", f"127.0.0.1:{port}"]) == 2
    assert f"cannot reach a show at 127.0.0.1:{port}" in capsys.readouterr().err


def test_dashboard_command_checks_its_arguments(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # noqa: ANN001
    assert main(["dashboard", "--refresh", "100"]) == 2
    assert "--refresh must be between 1 and 30" in capsys.readouterr().err
    assert main(["dashboard", "--connect", "host:http"]) == 2
    assert "port must be a number" in capsys.readouterr().err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "lan.toml"
    path.write_text(f'[dashboard]\nhost = "0.0.0.0"\nport = {port}\ntoken = "s3cret-token"\n')
    assert main(["dashboard", "--set", str(path)]) == 2  # reads the address from the set file: nothing there
    assert f"cannot reach a show at 127.0.0.1:{port}" in capsys.readouterr().err


def test_the_client_reattaches_when_the_show_comes_back(served) -> None:
    show, _clock, _stand_in, server = served
    host, port = server.address
    client = RemoteClient(host, port).connect()
    try:
        server.stop()
        wait_until(lambda: not client.snapshot()["link"]["connected"])
        again = RemoteServer(show.telemetry, show.commands, host, port, show_name="pilot").start()
        try:
            wait_until(lambda: client.snapshot()["link"]["connected"], timeout=10)
            client.submit("panic")
        finally:
            again.stop()
    finally:
        client.close()


def test_the_engine_side_never_imports_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, bridge.remote.server, bridge.remote.client, bridge.remote.source, bridge.show, "
            "bridge.cli.main; bridge.cli.main.build_parser(); "
            "print([m for m in sys.modules if m.split('.')[0] in ('textual', 'tui')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
