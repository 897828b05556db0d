"""What every MIDI port shares, real or in memory: counting, sounding notes, panic, one way to send and deliver.

Outputs (`OutputBase`) check each message, write it through the subclass's `_write`, count it and track
note-ons so `panic()` silences exactly what sounds; a failed write is counted, never raised into the show.
Inputs (`InputBase`) count each message and hand it to the engine's handler. The rtmidi ports
(bridge.midi.ports) and the in-memory twins (bridge.midi.memory) differ only in `_write` / where
messages come from, so a test on memory ports sees what a show on JACK does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

RawHandler = Callable[[str, list[int], float], None]  # (port name, bytes, time)


class PortWriteError(Exception):
    """A message could not be written to the MIDI system (counted as an error by the port)."""


@dataclass
class PortStats:
    """Traffic counters for one port, for telemetry."""

    messages: int = 0
    errors: int = 0
    last_time: float | None = None
    dropped_sysex: int = 0  # unterminated SysEx messages dropped
    dropped_bytes: int = 0  # stray data bytes, lone 0xF7s, and clock ticks held inside a stuck SysEx


@dataclass
class SoundingNotes:
    """Which (channel, note) pairs have had a note-on without a matching note-off."""

    notes: dict[tuple[int, int], int] = field(default_factory=dict)
    channels: set[int] = field(default_factory=set)

    def track(self, data: list[int]) -> None:
        """Update from one outgoing message."""
        if not data:
            return
        kind, channel = data[0] & 0xF0, data[0] & 0x0F
        if kind == 0x90 and len(data) >= 3 and data[2] > 0:
            self.channels.add(channel)
            self.notes[(channel, data[1])] = self.notes.get((channel, data[1]), 0) + 1
        elif (kind == 0x80 or (kind == 0x90 and len(data) >= 3 and data[2] == 0)) and len(data) >= 2:
            self.notes.pop((channel, data[1]), None)

    def release_messages(self) -> list[list[int]]:
        """Note-offs for every sounding note, then All Notes Off (CC 123) on every channel used."""
        messages = [[0x80 | ch, note, 0] for (ch, note) in sorted(self.notes)]
        messages += [[0xB0 | ch, 123, 0] for ch in sorted(self.channels)]
        self.notes.clear()
        return messages


def is_message(data: object) -> bool:
    """True for a non-empty list of bytes that starts with a status byte (what a MIDI system accepts)."""
    return (isinstance(data, (list, tuple)) and bool(data)
            and all(isinstance(b, int) and 0 <= b <= 255 for b in data) and data[0] >= 0x80)


class OutputBase:
    """A thread-safe output: `send` checks, writes, counts and tracks; `panic` silences; `close` silences first.

    `send_at` hands over a message before its time, for ports that can send it on time themselves
    (`lookahead` > 0 says how far ahead): the sender need not wake at that moment.
    """

    lookahead = 0.0  # seconds ahead of its time `send_at` may be given a message; 0: it leaves at once

    def __init__(self, name: str) -> None:
        self.name = name
        self.stats = PortStats()
        self.sounding = SoundingNotes()
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Whether messages can be written now (subclasses say when not)."""
        return True

    def _write(self, data: list[int]) -> None:
        """Hand one checked message to the MIDI system; raise PortWriteError when it cannot."""
        raise NotImplementedError

    def _release(self) -> None:
        """Free what the port holds (called once by `close`, under the lock)."""

    def _write_at(self, data: list[int], due: float) -> None:
        """Hand over a message to leave at time `due`; a port without a lookahead sends it now."""
        self._write(data)

    def send(self, data: list[int]) -> None:
        """Send one message (raw bytes); errors are counted, never raised into the show."""
        self._send(data, None)

    def send_at(self, data: list[int], due: float) -> None:
        """Send one message to leave at time `due` (at most `lookahead` from now), counted as sent now."""
        self._send(data, due)

    def _send(self, data: list[int], due: float | None) -> None:
        with self._lock:
            if not self.is_open or not is_message(data):
                self.stats.errors += 1
                return
            try:
                if due is None:
                    self._write(list(data))
                else:
                    self._write_at(list(data), due)
            except PortWriteError:
                self.stats.errors += 1
                return
            self.stats.messages += 1
            self.sounding.track(data)

    def panic(self) -> int:
        """Note-off for every sounding note and All Notes Off; return how many messages were sent."""
        with self._lock:
            messages = self.sounding.release_messages()
        for data in messages:
            self.send(data)
        return len(messages)

    def close(self) -> None:
        """Silence and close the port."""
        self.panic()
        with self._lock:
            self._release()


class InputBase:
    """An input that counts every message and hands it, with its time, to the engine's handler."""

    def __init__(self, name: str, handler: RawHandler) -> None:
        self.name = name
        self.stats = PortStats()
        self._handler = handler

    def _deliver(self, data: list[int], t: float) -> None:
        """One message arrived at time `t`."""
        self.stats.messages += 1
        self.stats.last_time = t
        self._handler(self.name, data, t)
