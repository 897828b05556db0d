"""Helper processes (jackd, the firmware simulator): tied to drumbridge's life, ended the same polite way."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import IO


def keep_tail(stream: IO[bytes] | None, lines: deque[str], name: str) -> threading.Thread:
    """Read a helper's output pipe to its end on a daemon thread, keeping its last lines in `lines`.

    A pipe nobody reads fills up (64 KB) and then blocks the helper on its next write.
    """
    def read() -> None:
        if stream is None:
            return
        with stream:
            for line in stream:
                lines.append(line.decode(errors="replace").rstrip())

    thread = threading.Thread(target=read, name=name, daemon=True)
    thread.start()
    return thread


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` that makes the kernel send `sig` to the child when drumbridge dies (Linux), else None.

    Without it a crashed or killed show leaves jackd or a simulator spinning in the background.
    """
    if sys.platform != "linux":
        return None

    def arrange() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG

    return arrange


def terminate(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGTERM, wait up to `timeout`, then SIGKILL; returns once the process is gone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
