"""`drumbridge run` as a process: the dashboard on a terminal, and remote attach to a headless show."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.remote.client import RemoteClient

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_set(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "attach.toml"
    path.write_text(f'name = "attach"\n[clock]\nsource = "internal"\n[dashboard]\nport = {port}\n')
    return path


def test_run_on_a_terminal_shows_the_dashboard(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    master, slave = pty.openpty()
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name, TERM="xterm-256color", COLUMNS="80", LINES="24")
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(write_set(tmp_path, free_tcp_port())),
                                "--seconds", "2"], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    screen += os.read(master, 65536)
                except OSError:
                    break
            if process.poll() is not None and not select.select([master], [], [], 0)[0]:
                break
        assert process.wait(timeout=10) == 0, screen[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    for word in (b"Responders", b"MIDI ports", b"RUNNING", b"Panic"):
        assert word in screen, word


def test_attach_to_a_headless_show_send_panic_detach(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    port = free_tcp_port()
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(write_set(tmp_path, port)), "--headless"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        assert "running" in process.stderr.readline()
        assert f"--connect 127.0.0.1:{port}" in process.stderr.readline()
        client = RemoteClient("127.0.0.1", port).connect()
        deadline = time.monotonic() + 5
        while client.snapshot()["state"].get("clock", {}).get("transport") != "running":
            assert time.monotonic() < deadline, client.snapshot()
            time.sleep(0.02)
        client.submit("panic")
        while not any(e["message"] == "panic" for e in client.snapshot()["log"]):
            assert time.monotonic() < deadline, client.snapshot()["log"]
            time.sleep(0.02)
        beat = client.snapshot()["state"]["clock"]["beat"]
        client.close()
        time.sleep(0.5)
        assert process.poll() is None, "the show died with the dashboard"
        again = RemoteClient("127.0.0.1", port).connect()
        while again.snapshot()["state"].get("clock", {}).get("beat", 0) <= beat:
            assert time.monotonic() < deadline + 5
            time.sleep(0.02)
        again.close()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
