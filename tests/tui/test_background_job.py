"""A show started as a background job of an interactive shell keeps time: headless, never stopped by the tty.

Before, `drumbridge run SET &` started the dashboard, whose terminal setup made the kernel stop the
whole process group (SIGTTOU): beats stopped after a few hundred milliseconds. These tests run a
real `bash -i` on a pseudo-terminal (job control on), start the show with `&` and under `timeout` in a
script (timeout moves its command into a process group of its own, which is not the foreground one),
and count the beats that arrive over OSC at an independent receiver (oscdump).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.rig.oscdump import OscDump
from tests.waiting import wait_until

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parent.parent.parent
BPM = 300.0  # 5 beats a second: a frozen show is obvious within a second


class Shell:
    """An interactive bash with job control on a pseudo-terminal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], cwd=ROOT, env=env,
                                        stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self.screen = b""

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def read_until(self, needle: bytes, timeout: float) -> bool:
        """Read the terminal until `needle` shows up (True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while needle not in self.screen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    break
        return needle in self.screen

    def close(self) -> None:
        os.killpg(self.process.pid, 9)  # the shell's session: bash and any job it still has
        self.process.wait(timeout=5)
        os.close(self.master)


def write_set(tmp_path: Path, osc_port: int) -> Path:
    path = tmp_path / "background.toml"
    path.write_text(f'name = "background"\n[clock]\nsource = "internal"\nbpm = {BPM}\n'
                    f'[[osc.targets]]\nname = "dump"\nhost = "127.0.0.1"\nport = {osc_port}\n'
                    f'[dashboard]\nremote = false\n')
    return path


@pytest.fixture
def shell(jack_server) -> Shell:  # noqa: ANN001
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name, TERM="xterm-256color", PS1="$ ",
               PYTHONPATH=str(ROOT))
    env.pop("NO_COLOR", None)
    term = Shell(env)
    yield term
    term.close()


def beats(dump: OscDump) -> int:
    return len(dump.messages("/drumbridge/clock/beat"))


LAUNCHES = {
    "ampersand": "{run} & wait $!",
    # a script (no job control): timeout puts the show in a process group of its own, not the foreground one
    "timeout-in-a-script": "bash -c 'timeout 30 {run}; exit $?'",
}


@pytest.mark.parametrize("launch", LAUNCHES.values(), ids=LAUNCHES.keys())
def test_a_background_show_keeps_time_and_says_it_is_headless(shell: Shell, tmp_path: Path, launch: str) -> None:
    dump = OscDump()
    try:
        run = f"{sys.executable} -m bridge run {write_set(tmp_path, dump.port)} --seconds 6"
        shell.type(launch.format(run=run) + "; echo rc=$?")
        assert shell.read_until(b"running in the background", timeout=20), shell.screen[-2000:]
        wait_until(lambda: beats(dump) >= 3, timeout=10, what="the first beats over OSC")
        first = beats(dump)
        # A stopped process group sends nothing: at 5 beats a second, 2 more seconds of beats
        # arriving means the show is not frozen.
        wait_until(lambda: beats(dump) >= first + 10, timeout=10,
                   what=lambda: f"beats to keep coming (had {first}, now {beats(dump)}): {shell.screen[-800:]!r}")
        assert shell.read_until(b"rc=0", timeout=20), shell.screen[-2000:]
        assert b"Stopped" not in shell.screen, shell.screen[-2000:]
        assert b"headless" in shell.screen
    finally:
        dump.close()
