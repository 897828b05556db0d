"""The private jackd we start: its output is always read, and it runs synchronous so a late client loses nothing."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from bridge.midi import jack_server
from bridge.midi.jack_server import JackServer
from bridge.midi.ports import ExternalOutput, VirtualInput
from tests.midi.collect import Collected

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


@pytest.mark.jack
def test_a_steady_stream_through_our_jackd_arrives_once_each_even_when_a_client_runs_late(
        jack_server: JackServer) -> None:
    """Synchronous mode: in jackd2's asynchronous default a late reader lost or re-read events (1 to 16
    of 2,400 notes on this 2-core machine); with -S each cycle waits for every client."""
    collected = Collected()
    port = VirtualInput("drumbridge stream in", collected)
    sender = ExternalOutput("drumbridge stream in", client="stream-sender")
    sent = [[0x90 | (n % 16), n // 16 % 128, 1 + n // 2048] for n in range(2400)]
    try:
        sender.send([0x80, 0, 0])
        collected.wait_for(1)
        for k, message in enumerate(sent):
            sender.send(message)
            time.sleep(0.03 if k % 60 == 59 else 0.001)  # pacing the sender: phrases with gaps, like a player's
        received = collected.wait_for(1 + len(sent), timeout=5.0)[1:]
    finally:
        sender.close()
        port.close()
    assert received == sent
