"""Runs tests/midi/other_app.py as a subprocess and waits on what it prints (bounded, no sleeps)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


class OtherApp:
    """Another MIDI client in its own process, on the JACK server named in the environment."""

    def __init__(self, server: str | None = None) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), DRUMBRIDGE_MIDI_API="jack", JACK_NO_START_SERVER="1")
        if server:
            env["JACK_DEFAULT_SERVER"] = server
        self.process = subprocess.Popen([sys.executable, "-m", "tests.midi.other_app"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.received: list[tuple[str, list[int]]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def _next(self, timeout: float) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"other app said nothing for {timeout} s (received {self.received})") from None
        if line.startswith("got "):
            name, _, data = line[4:].partition(" | ")
            self.received.append((name, [int(b, 16) for b in data.split()]))
        return line

    def do(self, command: str, timeout: float = 10.0) -> None:
        """Run one command and wait for its `ok`."""
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        while True:
            line = self._next(timeout)
            if line == f"ok {command}":
                return
            if line.startswith("error "):
                raise AssertionError(line)

    def wait_for(self, name: str, data: list[int], timeout: float = 10.0) -> None:
        """Wait until port `name` of ours has received `data`."""
        while (name, data) not in self.received:
            self._next(timeout)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
