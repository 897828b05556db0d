"""Ending helper processes (jackd, the firmware simulator) the same polite way everywhere."""

from __future__ import annotations

import subprocess


def terminate(process: subprocess.Popen, timeout: float = 5.0) -> None:  # type: ignore[type-arg]
    """SIGTERM, wait up to `timeout`, then SIGKILL; returns once the process is gone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
