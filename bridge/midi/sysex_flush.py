"""End a SysEx that never ends: rtmidi's JACK input holds every later byte (clock too) until an 0xF7.

A sender that starts a SysEx and never finishes it (a crashed app, a cut cable, `F0 7D 01`) would
freeze a drumbridge input for good, realtime clock included. When an input has been silent for
`bound` seconds, a flusher sends drumbridge's own marker SysEx (`FLUSH_MARKER`) to it: if nothing was
held the marker comes back alone and is ignored; if a SysEx was stuck, the held bytes come back and
the input takes them apart (`split_stream`), dropping and counting the unterminated SysEx.

The flusher's port is registered and connected to the input once, for the life of the input. It
used to connect for each marker and unregister its port after it: while jackd's graph still listed
a connection from an unregistered port, the input's mixdown found an invalid source buffer
(`Jack::MidiBufferMixdown - invalid source buffer`) and dropped every event of that cycle, the
musician's too, and each flush reordered the graph and woke every JACK client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import rtmidi

from bridge.midi.api import make_midi_out
from bridge.midi.stream import FLUSH_MARKER

LONG_SILENCE_INTERVAL = 0.5  # seconds between markers once an input has been silent for a second


class SysexFlusher:
    """A thread that sends the flush marker to our own virtual input after `bound` s without input."""

    def __init__(self, client: str, bound: float, idle_for: Callable[[], float]) -> None:
        self.bound = bound
        self.flushes = 0
        self._idle_for = idle_for
        self._out: rtmidi.MidiOut | None = make_midi_out(client + "-flush")
        self._before = set(self._out.get_ports())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def connect(self, port_name: str) -> bool:
        """Find our own input `port_name` (the one port of that name that appeared since we looked) and start."""
        assert self._out is not None
        ports = list(self._out.get_ports())
        new = [p for p in ports if p not in self._before and p.split(":", 1)[-1] == port_name]
        if len(new) != 1:
            return False
        try:
            self._out.open_port(ports.index(new[0]), "flush")
        except (rtmidi.RtMidiError, ValueError):
            return False
        self._thread = threading.Thread(target=self._run, name=f"sysex flush {port_name}", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        wait = self.bound
        while not self._stop.wait(wait):
            idle = self._idle_for()  # since the last real input (our marker coming back does not count)
            if idle >= self.bound:
                self._send()
                # every `bound` for the first second of silence, then every LONG_SILENCE_INTERVAL s: an idle
                # show wakes nobody 20 times a second, and a SysEx stuck later still ends within that
                wait = self.bound if idle < 1.0 else max(self.bound, LONG_SILENCE_INTERVAL)
            else:
                wait = max(self.bound - idle, 0.001)

    def _send(self) -> None:
        """Send the marker on the standing connection (rtmidi hands it to JACK in the next cycle)."""
        out = self._out
        if out is None:
            return
        try:
            out.send_message(list(FLUSH_MARKER))
            self.flushes += 1
        except (rtmidi.RtMidiError, ValueError):
            pass

    def abandon(self) -> None:
        """The MIDI system died: stop, and let go of the client without touching it (see rthandle)."""
        from bridge.midi.rthandle import abandon

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        abandon(self._out)
        self._out = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        if self._out is not None:
            self._out.close_port()
            self._out.delete()
            self._out = None
