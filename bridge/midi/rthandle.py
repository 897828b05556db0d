"""Letting go of rtmidi objects whose MIDI system died under them.

When jackd goes away, an rtmidi client's `close_port()` or `delete()` — and its destructor, which
calls both — touches the dead server's memory and crashes the process (measured: SIGSEGV once a new
server is up). Such a handle is abandoned instead: kept alive for the rest of the process, never
touched again. One dead client per port per server restart is a small, bounded leak.
"""

from __future__ import annotations

import ctypes

_abandoned: list[object] = []


def abandon(handle: object | None) -> None:
    """Never touch or free `handle` again (not even at interpreter exit)."""
    if handle is None:
        return
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(handle))  # its destructor must never run
    _abandoned.append(handle)


def abandoned_count() -> int:
    """How many handles were abandoned in this process (for tests and telemetry)."""
    return len(_abandoned)
