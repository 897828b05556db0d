"""MIDI ports on the platform's MIDI system via python-rtmidi: virtual `drumbridge …` ports and connections.

Inputs run rtmidi's callback (on rtmidi's thread) and only stamp and queue the raw bytes; parsing and
everything musical happens on the engine thread. Outputs share `OutputBase` with the in-memory ports:
counted sends, sounding notes and a panic that silences exactly what sounds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import rtmidi

from bridge.midi.api import (
    MidiUnavailable,
    drain_time,
    input_latency,
    make_midi_in,
    make_midi_out,
    output_lookahead,
    timed_send_function,
)
from bridge.midi.base import InputBase, OutputBase, PortStats, PortWriteError, RawHandler, SoundingNotes
from bridge.midi.poller import POLLER
from bridge.midi.rthandle import abandon
from bridge.midi.stream import CLOCK_TICK, SYSEX_END, SYSEX_START, split_stream
from bridge.midi.timestamps import ArrivalSmoother
from bridge.timebase import TimeSource, monotonic_time

__all__ = ["ExternalInput", "ExternalOutput", "PortStats", "RawHandler", "SoundingNotes", "VirtualInput",
           "VirtualOutput", "find_port", "list_ports"]



def connect_or_delete(rt: Any, connect: Callable[[Any], None], what: str) -> None:
    """Run `connect(rt)`; on any failure free the rtmidi handle (a clear MidiUnavailable for rtmidi's own errors)."""
    try:
        connect(rt)
    except rtmidi.RtMidiError as error:
        rt.delete()
        raise MidiUnavailable(f"cannot open {what}: {error}") from error
    except BaseException:
        rt.delete()
        raise

class RtInput(InputBase):
    """An rtmidi input feeding `handler`; subclasses say what it opens (`_connect`).

    Times are the callback time de-jittered with the driver's own message spacing
    (`ArrivalSmoother`) and moved back by the MIDI system's constant delivery latency. A SysEx, or
    what rtmidi held behind one, is taken apart (`split_stream`), dropping what cannot be trusted.
    """

    kind = "input"

    def __init__(self, name: str, handler: RawHandler, time_source: TimeSource = monotonic_time,
                 client: str = "drumbridge", latency: float | None = None) -> None:
        super().__init__(name, handler)
        self.latency = input_latency() if latency is None else latency
        self.client = client
        self._time = time_source
        self._smoother = ArrivalSmoother()
        self.last_error: str | None = None
        self._rt: rtmidi.MidiIn | None = None
        self._rt = self._open_rt()

    def _connect(self, rt: rtmidi.MidiIn) -> None:
        raise NotImplementedError

    def _open_rt(self) -> rtmidi.MidiIn:
        rt = make_midi_in(self.client)
        connect_or_delete(rt, self._connect, f"{self.kind} {self.name!r}")
        rt.ignore_types(sysex=False, timing=False, active_sense=True)
        rt.set_error_callback(self._on_rt_error)
        POLLER.add(rt, self._on_message)  # never a callback on JACK's real-time thread (bridge.midi.poller)
        return rt

    def _on_rt_error(self, kind: int, message: str, _data: object = None) -> None:
        self.last_error = message  # read by the port watch, which reports it on the engine thread

    def _on_message(self, event: tuple[list[int], float]) -> None:
        data, delta = event
        t = self._smoother.stamp(self._time(), delta) - self.latency
        if data and (data[0] in (SYSEX_START, SYSEX_END) or len(data) > 3):
            self._on_bundle(data, t)
            return
        self._deliver(data, t)

    def _on_bundle(self, data: list[int], t: float) -> None:
        """A SysEx, or what rtmidi held behind one: the messages in it, minus what cannot be trusted."""
        split = split_stream(data)
        self.stats.dropped_sysex += split.dropped_sysex
        self.stats.dropped_bytes += split.dropped_bytes
        self.stats.last_time = t
        held = split.dropped_sysex > 0  # held for an unknown time: tick times are lost
        for message in split.messages:
            if held and message == [CLOCK_TICK]:
                self.stats.dropped_bytes += 1  # the follower finds lost ticks from the next ones
                continue
            self._deliver(message, t)

    @property
    def is_open(self) -> bool:
        return self._rt is not None

    def reopen(self) -> None:
        """Open the port again (after `release` or `abandon`); raises MidiUnavailable / PortMissing."""
        if self._rt is None:
            self._smoother.reset()
            self._rt = self._open_rt()

    def release(self) -> None:
        """Close the port on a MIDI system that is still up (it can be reopened)."""
        if self._rt is not None:
            POLLER.remove(self._rt)
            self._rt.close_port()
            self._rt.delete()
            self._rt = None

    def abandon(self) -> None:
        """The MIDI system died: let go of the port without touching it (see bridge.midi.rthandle)."""
        if self._rt is not None:
            POLLER.remove(self._rt)
        abandon(self._rt)
        self._rt = None

    def close(self) -> None:
        self.release()


class VirtualInput(RtInput):
    """A virtual MIDI input other apps send to; every message goes to `handler` with the time it was sent."""

    kind = "virtual input"

    def _connect(self, rt: rtmidi.MidiIn) -> None:
        rt.open_virtual_port(self.name)


class RtOutput(OutputBase):
    """An rtmidi output; subclasses say what it opens (`_connect`)."""

    kind = "output"

    def __init__(self, name: str, client: str = "drumbridge") -> None:
        super().__init__(name)
        self.client = client
        self.last_error: str | None = None
        self._rt: rtmidi.MidiOut | None = None
        self._rt = self._open_rt()
        self.lookahead = output_lookahead()
        self._time_next_send = timed_send_function()
        self._last_due = 0.0  # the latest time a message handed over ahead is to leave

    def _connect(self, rt: rtmidi.MidiOut) -> None:
        raise NotImplementedError

    def _open_rt(self) -> rtmidi.MidiOut:
        rt = make_midi_out(self.client)
        connect_or_delete(rt, self._connect, f"{self.kind} {self.name!r}")
        rt.set_error_callback(self._on_rt_error)
        return rt

    def _on_rt_error(self, kind: int, message: str, _data: object = None) -> None:
        self.last_error = message  # read by the port watch, which reports it on the engine thread

    @property
    def is_open(self) -> bool:
        return self._rt is not None

    def _write(self, data: list[int]) -> None:
        assert self._rt is not None
        try:
            self._rt.send_message(data)
        except (rtmidi.RtMidiError, ValueError, TypeError) as error:
            raise PortWriteError(str(error)) from error

    def _write_at(self, data: list[int], due: float) -> None:
        if not self.lookahead or self._time_next_send is None or len(data) > 3:
            self._write(data)
            return
        self._last_due = max(self._last_due, due)
        self._time_next_send(max(1, int(due * 1e6)))  # time.monotonic() is CLOCK_MONOTONIC
        try:
            self._write(data)  # rtmidi takes the time up, and clears it, as it queues the message
        except BaseException:
            self._time_next_send(0)  # a send that failed before reaching rtmidi leaves nothing timed behind
            raise

    def _release(self) -> None:
        if self._rt is not None:
            if self.stats.messages:  # let the MIDI system deliver the panic (and what was sent ahead) first
                time.sleep(drain_time() + max(0.0, min(self._last_due - time.monotonic(), self.lookahead)))
            self._rt.close_port()
            self._rt.delete()
            self._rt = None

    def reopen(self) -> None:
        """Open the port again (after `release` or `abandon`); raises MidiUnavailable / PortMissing."""
        with self._lock:
            if self._rt is None:
                self._rt = self._open_rt()

    def release(self) -> None:
        """Close the port on a MIDI system that is still up (it can be reopened)."""
        with self._lock:
            self._release()

    def abandon(self) -> None:
        """The MIDI system died: let go of the port without touching it (see bridge.midi.rthandle)."""
        with self._lock:
            abandon(self._rt)
            self._rt = None


class VirtualOutput(RtOutput):
    """A virtual MIDI output other apps listen to; thread-safe `send`, and `panic` that silences it."""

    kind = "virtual output"

    def _connect(self, rt: rtmidi.MidiOut) -> None:
        rt.open_virtual_port(self.name)


class ExternalOutput(RtOutput):
    """An output connected to someone else's input port (how Live, or a test, talks to our virtual inputs)."""

    def __init__(self, target: str, client: str = "drumbridge-ext") -> None:
        super().__init__(target, client)

    def _connect(self, rt: rtmidi.MidiOut) -> None:
        rt.open_port(find_port(list(rt.get_ports()), self.name))


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


class ExternalInput:
    """An input connected to someone else's output port, collecting (bytes, time) pairs (a test's listener)."""

    def __init__(self, source: str, time_source: TimeSource = monotonic_time,
                 client: str = "drumbridge-ext") -> None:
        self.received: list[tuple[list[int], float]] = []
        self._time = time_source
        self._lock = threading.Lock()
        self._rt = make_midi_in(client)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=False)
        self._rt.open_port(find_port(list(self._rt.get_ports()), source))
        POLLER.add(self._rt, self._on_message)

    def _on_message(self, event: tuple[list[int], float]) -> None:
        with self._lock:
            self.received.append((event[0], self._time()))

    def take(self) -> list[tuple[list[int], float]]:
        """Messages received so far (and forget them)."""
        with self._lock:
            items, self.received = self.received, []
        return items

    def close(self) -> None:
        POLLER.remove(self._rt)
        self._rt.close_port()
        self._rt.delete()
