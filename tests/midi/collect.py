"""A raw-message collector for MIDI port tests: tests wait on its condition, never sleep."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bridge.midi.api import make_midi_in
from bridge.midi.poller import POLLER
from bridge.midi.ports import ExternalInput, VirtualOutput, find_port
from bridge.timebase import monotonic_time
from tests.waiting import wait_until


class Collected:
    """A port handler `(port, bytes, time)` that remembers messages and wakes waiters."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[int]]] = []
        self._cond = threading.Condition()

    def __call__(self, port: str, data: list[int], _t: float) -> None:
        with self._cond:
            self.messages.append((port, list(data)))
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[list[int]]:
        """The data of the first `count` messages; fail after `timeout` s without them."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} of {count} messages after {timeout} s; "
                                     f"the last: {self.messages[-3:]}")
            return [data for _port, data in self.messages[:count]]


class Listener(Collected):
    """Our own rtmidi client connected to someone's output port, collecting what it sends."""

    def __init__(self, source: str, client: str = "test-listener") -> None:
        super().__init__()
        self._rt = make_midi_in(client)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=False)
        self._rt.open_port(find_port(list(self._rt.get_ports()), source))
        POLLER.add(self._rt, lambda event: self(source, event[0], 0.0))

    def close(self) -> None:
        POLLER.remove(self._rt)
        self._rt.close_port()
        self._rt.delete()


@contextmanager
def heard_output(name: str, listener_client: str) -> Iterator[tuple[VirtualOutput, ExternalInput]]:
    """A virtual output and a listener connected to it, the connection proven by a first message (CC 1 = 0)."""
    out = VirtualOutput(name)
    listener = ExternalInput(name, monotonic_time, client=listener_client)
    try:
        wait_until(lambda: out.send([0xB0, 1, 0]) or listener.received, what=f"{name!r} to carry a message")
        yield out, listener
    finally:
        listener.close()
        if out.is_open:
            out.close()
