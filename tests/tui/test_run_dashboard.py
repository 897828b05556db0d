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


class Terminal:
    """`drumbridge run` on a pseudo-terminal: read what it draws, type keys."""

    def __init__(self, args: list[str], jack_name: str) -> None:
        self.master, slave = pty.openpty()
        env = dict(os.environ, JACK_DEFAULT_SERVER=jack_name, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen([sys.executable, "-m", "bridge", "run", *args], cwd=ROOT, env=env,
                                        stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.screen = b""

    def read_until(self, needle: bytes, timeout: float = 20.0) -> bool:
        """Read output until `needle` shows up (True) or the process ends / time runs out (False)."""
        deadline = time.monotonic() + timeout
        while needle not in self.screen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    return False
            elif self.process.poll() is not None:
                return needle in self.screen
        return needle in self.screen

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        os.close(self.master)


def dashboard_children(pid: int) -> list[int]:
    """Pids of the `drumbridge dashboard` children of `pid`."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"dashboard" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_run_on_a_terminal_shows_the_dashboard(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    term = Terminal([str(write_set(tmp_path, free_tcp_port())), "--seconds", "3"], jack_server.name)
    try:
        term.read_until(b"never appears", timeout=15)
        assert term.process.wait(timeout=10) == 0, term.screen[-2000:]
    finally:
        term.close()
    for word in (b"Responders", b"MIDI ports", b"RUNNING", b"Panic"):
        assert word in term.screen, word


def test_quitting_the_dashboard_asks_then_stops_the_show(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    term = Terminal([str(write_set(tmp_path, free_tcp_port()))], jack_server.name)
    try:
        assert term.read_until(b"RUNNING"), term.screen[-2000:]
        term.type(b"q")
        assert term.read_until(b"Stop the show and quit?")
        term.type(b"y")
        assert term.process.wait(timeout=10) == 0
    finally:
        term.close()


def test_ctrl_c_asks_and_a_second_ctrl_c_stops_the_show_cleanly(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    term = Terminal([str(write_set(tmp_path, free_tcp_port()))], jack_server.name)
    try:
        assert term.read_until(b"RUNNING"), term.screen[-2000:]
        term.type(b"\x03")
        assert term.read_until(b"Stop the show and quit?"), term.screen[-2000:]
        assert term.process.poll() is None, "one Ctrl-C only asks"
        term.type(b"\x03")
        assert term.process.wait(timeout=10) == 0
        assert term.read_until(b"show stopped") or term.process.returncode == 0
    finally:
        term.close()


def test_the_show_outlives_a_crashed_dashboard(jack_server, tmp_path: Path) -> None:  # noqa: ANN001
    term = Terminal([str(write_set(tmp_path, free_tcp_port()))], jack_server.name)
    try:
        assert term.read_until(b"RUNNING"), term.screen[-2000:]
        (child,) = dashboard_children(term.process.pid)
        os.kill(child, signal.SIGKILL)
        assert term.read_until(b"the show goes on headless"), term.screen[-2000:]
        time.sleep(0.5)
        assert term.process.poll() is None, "the show died with its dashboard"
        term.process.send_signal(signal.SIGINT)
        assert term.process.wait(timeout=10) == 0
    finally:
        term.close()


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
