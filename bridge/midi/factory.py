"""Where ports come from: rtmidi ports (virtual or connected to existing ones) for shows, in-memory ones for tests."""

from __future__ import annotations

from typing import Protocol

from bridge.midi.base import PortStats, RawHandler
from bridge.midi.connected import ConnectedInput, ConnectedOutput
from bridge.midi.memory import MemoryInput, MemoryOutput
from bridge.midi.ports import RtInput, RtOutput, VirtualInput, VirtualOutput
from bridge.midi.spec import PortSpec, match_port, virtual
from bridge.timebase import TimeSource, monotonic_time

PortName = PortSpec | str  # a plain string is a virtual port


class InputPort(Protocol):
    name: str
    stats: PortStats

    @property
    def is_open(self) -> bool: ...  # False while the port is missing (its MIDI system or existing port gone)

    def close(self) -> None: ...


class OutputPort(Protocol):
    name: str
    stats: PortStats
    lookahead: float  # how far ahead of its time `send_at` may be given a message (0: it leaves at once)

    @property
    def is_open(self) -> bool: ...

    def send(self, data: list[int]) -> None: ...
    def send_at(self, data: list[int], due: float) -> None: ...
    def panic(self) -> int: ...
    def close(self) -> None: ...


class PortFactory(Protocol):
    """Opens the ports a show needs: virtual ones by name, existing ones by a `PortSpec(existing=True)`."""

    def open_input(self, name: PortName, handler: RawHandler) -> InputPort: ...
    def open_output(self, name: PortName) -> OutputPort: ...


def as_spec(name: PortName) -> PortSpec:
    """A `PortSpec` for `name` (a plain string names a virtual port)."""
    return name if isinstance(name, PortSpec) else virtual(name)


class RtMidiPorts:
    """Ports on the platform's MIDI system (JACK on Linux, CoreMIDI on macOS), virtual or connected."""

    def __init__(self, time_source: TimeSource = monotonic_time) -> None:
        self.time = time_source

    def open_input(self, name: PortName, handler: RawHandler) -> RtInput:
        spec = as_spec(name)
        if spec.existing:
            return ConnectedInput(spec.name, handler, self.time)
        return VirtualInput(spec.name, handler, self.time)

    def open_output(self, name: PortName) -> RtOutput:
        spec = as_spec(name)
        return ConnectedOutput(spec.name) if spec.existing else VirtualOutput(spec.name)


class MemoryPorts:
    """In-memory ports; keeps every port it opened so tests can inject and inspect.

    `sources` / `destinations` are the existing ports a test pretends are there (matched like real
    ones); None accepts any existing port (replay re-runs a show whose ports were real).
    """

    def __init__(self, time_source: TimeSource = monotonic_time, sources: list[str] | None = None,
                 destinations: list[str] | None = None) -> None:
        self.time = time_source
        self.sources = sources
        self.destinations = destinations
        self.inputs: dict[str, MemoryInput] = {}
        self.outputs: dict[str, MemoryOutput] = {}

    def open_input(self, name: PortName, handler: RawHandler) -> MemoryInput:
        spec = as_spec(name)
        if spec.existing and self.sources is not None:
            match_port(self.sources, spec.name, "MIDI source")
        port = MemoryInput(spec.name, handler, self.time)
        self.inputs[spec.name] = port
        return port

    def open_output(self, name: PortName) -> MemoryOutput:
        spec = as_spec(name)
        if spec.existing and self.destinations is not None:
            match_port(self.destinations, spec.name, "MIDI destination")
        port = MemoryOutput(spec.name, self.time)
        self.outputs[spec.name] = port
        return port
