"""What the show's parts hand each other: small typed services, so no part looks another up on the show.

`bridge.show.Show` is the one place that builds the parts; each part is given only these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bridge.midi.factory import InputPort, OutputPort, PortName
    from bridge.responders.worker import Worker

NoteListener = Callable[[int, int, float], object]  # (note, velocity 1..127, beat): an answer note, ahead of its beat
StateListener = Callable[[str, str], None]  # (responder name, state)
WorkerFactory = Callable[[str], "Worker"]  # responder name → the worker its model runs on


class PortOpener(Protocol):
    """Opens the show's virtual MIDI ports (inputs post to the engine; outputs are panicked and closed)."""

    def open_input(self, name: PortName) -> InputPort: ...

    def open_output(self, name: PortName) -> OutputPort: ...


class NoteSource(Protocol):
    """A part whose answer notes others can hear (a responder): the drum plays them, OSC mirrors them."""

    @property
    def name(self) -> str: ...

    def add_note_listener(self, listener: NoteListener) -> None: ...


class ResponderSink(Protocol):
    """Where a responder's state changes go (the OSC part)."""

    def declare(self, responders: Iterable[str] = (), voices: Iterable[str] = ()) -> None: ...

    def responder_state(self, name: str, state: str, beat: float | None = None) -> None: ...


class HitSink(Protocol):
    """Where drum hits go (the OSC part): `/drum/<voice>` at the hit's beat."""

    def declare(self, responders: Iterable[str] = (), voices: Iterable[str] = ()) -> None: ...

    def drum_hit(self, voice: str, velocity: float, beat: float | None) -> None: ...
