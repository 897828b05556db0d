"""The private jackd we start keeps running however much it says: its output is read, never left to fill a pipe."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bridge.midi import jack_server
from bridge.midi.jack_server import JackServer

TALKATIVE_JACKD = """#!/bin/sh
# a stand-in for jackd that reports a long concert's worth of xruns, then says it is ready
i=0
while [ $i -lt 20000 ]; do
  echo "JackEngine::XRun: client = drumbridge was not finished, state = Triggered ($i)"
  i=$((i + 1))
done
touch "$READY_FILE"
exec sleep 60
"""


def test_a_jackd_that_talks_a_lot_is_not_blocked_on_its_output(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "bin" / "jackd"
    binary.parent.mkdir()
    binary.write_text(TALKATIVE_JACKD)
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    ready = tmp_path / "ready"
    monkeypatch.setenv("PATH", f"{binary.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("READY_FILE", str(ready))
    monkeypatch.setattr(jack_server, "server_running", lambda _name=None: ready.exists())
    monkeypatch.setattr(jack_server, "reclaim_stale_servers", lambda: [])
    server = JackServer("talkative").start(timeout=20.0)  # 1.4 MB of output: a pipe holds 64 KB
    try:
        assert "XRun" in server.output() and "(19999)" in server.output()
    finally:
        server.stop()


def test_a_jackd_that_will_not_start_is_reported_with_its_own_words(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "bin" / "jackd"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\necho 'Cannot lock down 82280346 byte memory area'\necho 'no driver' >&2\nexit 1\n")
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{binary.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(jack_server, "server_running", lambda _name=None: False)
    monkeypatch.setattr(jack_server, "reclaim_stale_servers", lambda: [])
    with pytest.raises(RuntimeError, match=r"(?s)jackd exited with 1: .*no driver"):
        JackServer("broken").start(timeout=10.0)
