"""Virtual MIDI ports named `drumbridge …`: inputs feed the engine's inbox, outputs remember sounding notes.

Inputs run rtmidi's callback (on rtmidi's thread) and only stamp and queue the raw bytes; parsing and
everything musical happens on the engine thread. Outputs track note-ons so `panic()` can silence
exactly what sounds, plus All Notes Off on every channel used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import rtmidi

from bridge.midi.api import MidiUnavailable, chosen_api, input_latency, make_midi_in, make_midi_out
from bridge.midi.stream import CLOCK_TICK, SYSEX_END, SYSEX_START, split_stream
from bridge.midi.sysex_flush import SysexFlusher
from bridge.midi.timestamps import ArrivalSmoother
from bridge.timebase import TimeSource, monotonic_time

RawHandler = Callable[[str, list[int], float], None]  # (port name, bytes, time)


@dataclass
class PortStats:
    """Traffic counters for one port, for telemetry."""

    messages: int = 0
    errors: int = 0
    last_time: float | None = None
    dropped_sysex: int = 0  # unterminated SysEx messages dropped
    dropped_bytes: int = 0  # stray data bytes, lone 0xF7s, and clock ticks held inside a stuck SysEx


class VirtualInput:
    """A virtual MIDI input other apps send to; every message goes to `handler` with the time it was sent.

    That time is the callback time de-jittered with the driver's own message spacing
    (`ArrivalSmoother`) and moved back by the MIDI system's constant delivery latency. On JACK a
    `SysexFlusher` ends a SysEx left open by the sender after `sysex_bound` s of silence, so it cannot
    hold the port's later input (clock included) for ever.
    """

    def __init__(self, name: str, handler: RawHandler, time_source: TimeSource = monotonic_time,
                 client: str = "drumbridge", latency: float | None = None, sysex_bound: float = 0.05) -> None:
        self.name = name
        self.latency = input_latency() if latency is None else latency
        self.stats = PortStats()
        self._handler = handler
        self._time = time_source
        self._last_arrival = self._time()
        self._flusher: SysexFlusher | None = None
        if sysex_bound > 0 and chosen_api() == rtmidi.API_UNIX_JACK:
            self._flusher = SysexFlusher(client, sysex_bound, lambda: self._time() - self._last_arrival)
        self._rt: rtmidi.MidiIn | None = make_midi_in(client)
        try:
            self._rt.open_virtual_port(name)
        except rtmidi.Error as error:
            self._close_flusher()
            raise MidiUnavailable(f"cannot create virtual input {name!r}: {error}") from error
        self._rt.ignore_types(sysex=False, timing=False, active_sense=True)
        self._smoother = ArrivalSmoother()
        self._rt.set_callback(self._on_message)
        if self._flusher is not None and not self._flusher.connect(name):
            self._close_flusher()  # our own port not found unambiguously: no flushing, as before

    def _close_flusher(self) -> None:
        if self._flusher is not None:
            self._flusher.close()
            self._flusher = None

    def _on_message(self, event: tuple[list[int], float], _data: object = None) -> None:
        data, delta = event
        self._last_arrival = arrival = self._time()
        t = self._smoother.stamp(arrival, delta) - self.latency
        self.stats.last_time = t
        if data and (data[0] in (SYSEX_START, SYSEX_END) or len(data) > 3):
            self._on_bundle(data, t)
            return
        self.stats.messages += 1
        self._handler(self.name, data, t)

    def _on_bundle(self, data: list[int], t: float) -> None:
        """A SysEx, or what rtmidi held behind one: the messages in it, minus what cannot be trusted."""
        split = split_stream(data)
        self.stats.dropped_sysex += split.dropped_sysex
        self.stats.dropped_bytes += split.dropped_bytes
        held = split.flushed or split.dropped_sysex > 0  # held for an unknown time: tick times are lost
        for message in split.messages:
            if held and message == [CLOCK_TICK]:
                self.stats.dropped_bytes += 1  # the follower finds lost ticks from the next ones
                continue
            self.stats.messages += 1
            self._handler(self.name, message, t)

    @property
    def is_open(self) -> bool:
        return self._rt is not None

    def close(self) -> None:
        self._close_flusher()
        if self._rt is not None:
            self._rt.cancel_callback()
            self._rt.close_port()
            self._rt.delete()
            self._rt = None


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


class VirtualOutput:
    """A virtual MIDI output other apps listen to; thread-safe `send`, and `panic` that silences it."""

    def __init__(self, name: str, client: str = "drumbridge") -> None:
        self.name = name
        self.stats = PortStats()
        self.sounding = SoundingNotes()
        self._lock = threading.Lock()
        self._rt: rtmidi.MidiOut | None = make_midi_out(client)
        try:
            self._rt.open_virtual_port(name)
        except rtmidi.Error as error:
            raise MidiUnavailable(f"cannot create virtual output {name!r}: {error}") from error

    def send(self, data: list[int]) -> None:
        """Send one message (raw bytes); errors are counted, never raised into the show."""
        with self._lock:
            if self._rt is None:
                self.stats.errors += 1
                return
            try:
                self._rt.send_message(data)
            except (rtmidi.Error, ValueError, TypeError):
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
            if self._rt is not None:
                self._rt.close_port()
                self._rt.delete()
                self._rt = None


def list_ports() -> dict[str, list[str]]:
    """Every MIDI port on the chosen API: `sources` send MIDI (apps' outputs), `destinations` receive it."""
    midi_in, midi_out = make_midi_in("drumbridge-list"), make_midi_out("drumbridge-list")
    try:
        return {"sources": list(midi_in.get_ports()), "destinations": list(midi_out.get_ports())}
    finally:
        midi_in.delete()
        midi_out.delete()


def find_port(ports: list[str], name: str) -> int:
    """Index of the port whose name is `name` or ends with `:name` (JACK prefixes the client)."""
    for index, port in enumerate(ports):
        if port == name or port.endswith(":" + name) or port.split(":", 1)[-1] == name:
            return index
    raise MidiUnavailable(f"no MIDI port named {name!r} (have: {', '.join(ports) or 'none'})")


class ExternalOutput:
    """An output connected to someone else's input port (how Live, or a test, talks to our virtual inputs)."""

    def __init__(self, target: str, client: str = "drumbridge-ext") -> None:
        self._rt = make_midi_out(client)
        self._rt.open_port(find_port(list(self._rt.get_ports()), target))

    def send(self, data: list[int]) -> None:
        self._rt.send_message(data)

    def close(self) -> None:
        self._rt.close_port()
        self._rt.delete()


class ExternalInput:
    """An input connected to someone else's output port, collecting (bytes, time) pairs."""

    def __init__(self, source: str, time_source: TimeSource = monotonic_time,
                 client: str = "drumbridge-ext") -> None:
        self.received: list[tuple[list[int], float]] = []
        self._time = time_source
        self._lock = threading.Lock()
        self._rt = make_midi_in(client)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=False)
        self._rt.open_port(find_port(list(self._rt.get_ports()), source))
        self._rt.set_callback(self._on_message)

    def _on_message(self, event: tuple[list[int], float], _data: object = None) -> None:
        with self._lock:
            self.received.append((event[0], self._time()))

    def take(self) -> list[tuple[list[int], float]]:
        """Messages received so far (and forget them)."""
        with self._lock:
            items, self.received = self.received, []
        return items

    def close(self) -> None:
        self._rt.cancel_callback()
        self._rt.close_port()
        self._rt.delete()
