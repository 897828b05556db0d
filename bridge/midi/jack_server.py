"""Start and stop a private JACK server (dummy driver): real virtual MIDI ports with no sound card."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import deque
from types import TracebackType

from bridge.midi.jack_registry import reclaim_stale_servers
from bridge.processes import die_with_parent, keep_tail, terminate


class JackServer:
    """A `jackd -d dummy` process with its own server name; a context manager.

    It runs in synchronous mode (`-S`) unless told otherwise: each cycle waits for every client.
    In jackd2's default asynchronous mode a client that is not finished when the next cycle starts
    reads its source's buffer while the source rewrites it, and MIDI events are lost or read twice
    (on a 2-core machine at 64 frames: 1 to 16 of 2,400 notes lost, some doubled; with -S none).
    """

    def __init__(self, name: str, period: int = 64, rate: int = 48000, sync: bool = True) -> None:
        self.name = name
        self.period = period
        self.rate = rate
        self.sync = sync
        self.process: subprocess.Popen[bytes] | None = None
        self._output: deque[str] = deque(maxlen=200)

    def start(self, timeout: float = 5.0) -> JackServer:
        """Start jackd and wait until clients can connect; raise with jackd's own output if it fails."""
        jackd = shutil.which("jackd")
        if jackd is None:
            raise RuntimeError("jackd is not installed (apt-get install jackd2)")
        reclaim_stale_servers()  # else servers killed earlier can use up all 8 registry slots
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
        command = [jackd, *(["-S"] if self.sync else []), "-R", "-P", "70", "-n", self.name, "-d", "dummy",
                   "-r", str(self.rate), "-p", str(self.period)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        preexec_fn=die_with_parent())
        # jackd talks on stdout for as long as it runs (xruns, clients that misbehave); a pipe nobody
        # reads fills up after a few thousand lines and then jackd blocks on it, freezing every client
        self._reader = keep_tail(self.process.stdout, self._output, f"jackd {self.name} output")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reader.join(timeout=2.0)  # jackd's last words, up to the end of its output
                raise RuntimeError(f"jackd exited with {self.process.returncode}: {self.output()[-500:]}")
            if self.is_ready():
                return self
            time.sleep(0.02)  # waiting for an external process to come up, not for our own behaviour
        self.stop()
        raise RuntimeError(f"jackd server {self.name!r} not ready after {timeout} s")

    def output(self) -> str:
        """jackd's last lines of output (its error when it would not start)."""
        return "\n".join(self._output).strip()

    def is_ready(self) -> bool:
        """True when `jack_lsp` (or a client) can reach the server."""
        return server_running(self.name)

    def stop(self) -> None:
        if self.process is None:
            return
        terminate(self.process)  # the reading thread sees the end of its output and closes the pipe
        self.process = None

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def jack_lsp(*args: str, server: str | None = None) -> subprocess.CompletedProcess[str] | None:
    """`jack_lsp ARGS` on a server (by name, default JACK_DEFAULT_SERVER or 'default'), never starting one;
    None when jack_lsp is not installed."""
    path = shutil.which("jack_lsp")
    if path is None:
        return None
    name = server or os.environ.get("JACK_DEFAULT_SERVER") or "default"
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    return subprocess.run([path, *args, "-s", name], env=env, capture_output=True, text=True,
                          errors="replace", timeout=5)


def server_running(name: str | None = None) -> bool:
    """Whether a JACK server (by name, default JACK_DEFAULT_SERVER or 'default') accepts clients."""
    result = jack_lsp(server=name)
    return result is not None and result.returncode == 0 and "not running" not in result.stderr

