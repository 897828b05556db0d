"""A stop signal whose KeyboardInterrupt Python drops (raised inside a finalizer) still stops the show."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import os, signal, threading, time
    from bridge.cli.common import install_sigterm, wait_for

    install_sigterm()

    class Finalized:
        def __del__(self):
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
            time.sleep(0.5)  # the signal lands here: Python prints "Exception ignored" and drops it

    Finalized()  # finalized at once, on the main thread
    print("survived the finalizer", flush=True)

    class NeverEnds:
        def wait(self, timeout):
            time.sleep(timeout)
            return False

    try:
        wait_for(NeverEnds(), None)
    except KeyboardInterrupt:
        print("stopping", flush=True)
""")


def test_a_signal_lost_in_a_finalizer_still_stops_the_wait() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert "Exception ignored" in result.stderr  # the interpreter really dropped the KeyboardInterrupt
    assert result.stdout.split() == ["survived", "the", "finalizer", "stopping"], result.stderr
