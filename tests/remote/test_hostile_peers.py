"""Remote attach against hostile peers over real TCP loopback: every loop bounded, the server keeps serving."""

from __future__ import annotations

import os
import resource
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bridge.remote import server as server_module
from bridge.remote.client import RemoteClient, RemoteError
from bridge.remote.protocol import ProtocolError, decode
from bridge.remote.server import MAX_CLIENTS, RemoteServer
from tests.tui.show_rig import make_show
from tests.waiting import wait_until


@pytest.fixture
def server() -> Iterator[RemoteServer]:
    show, _clock, _stand_in, _ports = make_show()
    served = RemoteServer(show.telemetry, show.commands, "127.0.0.1", 0, token="s3cret-token").start()
    try:
        yield served
    finally:
        served.stop()


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes `sock` within `timeout` s (it sends nothing else first, or a denial)."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def attaches(server: RemoteServer) -> bool:
    client = RemoteClient(*server.address, token="s3cret-token").connect()
    client.close()
    return True


def test_a_hello_trickled_byte_by_byte_is_cut_off_at_the_total_hello_time(server, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(server_module, "HELLO_TIMEOUT", 0.5)
    with socket.create_connection(server.address, timeout=5) as raw:
        cut_off = False
        for byte in b'{"type": "hello", "protocol": 1, "token": "' + b"x" * 40:  # 80 bytes, 0.05 s apart: 4 s
            try:
                raw.sendall(bytes([byte]))
            except OSError:
                cut_off = True
                break
            if closed_by_peer(raw, 0.05):
                cut_off = True
                break
        assert cut_off, "a peer that never finishes its hello held the connection"
    assert attaches(server)


def test_a_long_line_before_hello_is_refused_before_it_is_all_read(server, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(server_module, "HELLO_TIMEOUT", 30.0)
    with socket.create_connection(server.address, timeout=5) as raw:
        try:
            raw.sendall(b"A" * 200_000)  # no newline
        except OSError:
            pass  # already cut off
        assert closed_by_peer(raw, 2.0)
    assert attaches(server)


def test_deeply_nested_json_is_a_protocol_error_not_a_crash(server) -> None:  # noqa: ANN001
    with pytest.raises(ProtocolError, match="nested too deep"):
        decode(b"[" * 100_000)
    crashes: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = crashes.append
    try:
        with socket.create_connection(server.address, timeout=5) as raw:
            raw.sendall(b"[" * 4000 + b"\n")  # under the hello line cap, deeper than json's recursion limit
            assert closed_by_peer(raw, 2.0)
        wait_until(lambda: server.client_count == 0)
    finally:
        threading.excepthook = previous
    assert crashes == []
    assert attaches(server)


def test_wrong_tokens_back_off_and_are_logged_rate_limited(server) -> None:  # noqa: ANN001
    refused = 0
    for _ in range(12):
        try:
            RemoteClient(*server.address, token="guess").connect().close()
        except (RemoteError, OSError):
            refused += 1
    assert refused == 12
    assert server.failures.waiting("127.0.0.1", time.monotonic())  # the host now waits before its next try
    assert server.rejected >= 1  # tries during the wait were closed unread
    lines = [e for e in server.telemetry.recent() if e.source == "remote" and "refused" in e.message]
    assert 1 <= len(lines) <= 3  # not one line per guess
    assert server.telemetry.get("bad_input")["remote refused"] + server.rejected >= 12


def test_connections_are_capped_and_the_server_serves_again_when_they_go(server) -> None:  # noqa: ANN001
    idle = [socket.create_connection(server.address, timeout=5) for _ in range(MAX_CLIENTS)]
    try:
        wait_until(lambda: server.client_count == MAX_CLIENTS)
        with socket.create_connection(server.address, timeout=5) as extra:
            assert closed_by_peer(extra, 2.0)
        assert server.rejected >= 1
    finally:
        for sock in idle:
            sock.close()
    wait_until(lambda: server.client_count == 0)
    assert attaches(server)


def take_every_free_fd(held: list[int]) -> bool:
    """Open /dev/null until the process has no descriptor left (another thread may free one at any time)."""
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        return True


def test_running_out_of_file_descriptors_on_accept_does_not_stop_the_listener(server) -> None:  # noqa: ANN001
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    waiting = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(3)]  # fds taken before the cap
    held: list[int] = []
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 8, hard))
        take_every_free_fd(held)
        for sock in waiting:
            sock.connect(server.address)  # the server's accept now fails: EMFILE
        # a descriptor freed by another thread meanwhile is taken again, so accept keeps failing
        wait_until(lambda: take_every_free_fd(held) and server.accept_errors >= 1)
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    wait_until(lambda: server.client_count >= 1)  # the connections queued meanwhile are taken once fds are back
    for sock in waiting:
        sock.close()
    assert attaches(server)


def test_a_dashboard_flooding_commands_is_refused_past_its_budget(server) -> None:  # noqa: ANN001
    ran: list[int] = []
    server.commands.register("bench.poke", lambda: ran.append(1), "poke")
    with socket.create_connection(server.address, timeout=5) as raw:
        raw.sendall(b'{"type": "hello", "protocol": 1, "token": "s3cret-token"}\n')
        stream = raw.makefile("rb")
        assert decode(stream.readline())["type"] == "welcome"
        raw.sendall(b"".join(b'{"type": "command", "id": %d, "name": "bench.poke", "args": []}\n' % i
                             for i in range(500)))
        results = []
        while len(results) < 500:
            message = decode(stream.readline())
            if message["type"] == "result":
                results.append(message)
    refused = [r for r in results if not r["ok"]]
    assert len(refused) >= 450 and "too many commands" in refused[0]["error"]
    assert len(results) - len(refused) <= 40
