"""Where ports come from: real virtual ports (rtmidi) for shows, in-memory ones for tests and replay."""

from __future__ import annotations

from typing import Protocol

from bridge.midi.base import PortStats, RawHandler
from bridge.midi.memory import MemoryInput, MemoryOutput
from bridge.midi.ports import VirtualInput, VirtualOutput
from bridge.timebase import TimeSource, monotonic_time


class InputPort(Protocol):
    name: str
    stats: PortStats

    def close(self) -> None: ...


class OutputPort(Protocol):
    name: str
    stats: PortStats

    def send(self, data: list[int]) -> None: ...
    def panic(self) -> int: ...
    def close(self) -> None: ...


class PortFactory(Protocol):
    """Opens the ports a show needs."""

    def open_input(self, name: str, handler: RawHandler) -> InputPort: ...
    def open_output(self, name: str) -> OutputPort: ...


class RtMidiPorts:
    """Virtual ports on the platform's MIDI system (JACK on Linux, CoreMIDI on macOS)."""

    def __init__(self, time_source: TimeSource = monotonic_time) -> None:
        self.time = time_source

    def open_input(self, name: str, handler: RawHandler) -> VirtualInput:
        return VirtualInput(name, handler, self.time)

    def open_output(self, name: str) -> VirtualOutput:
        return VirtualOutput(name)


class MemoryPorts:
    """In-memory ports; keeps every port it opened so tests can inject and inspect."""

    def __init__(self, time_source: TimeSource = monotonic_time) -> None:
        self.time = time_source
        self.inputs: dict[str, MemoryInput] = {}
        self.outputs: dict[str, MemoryOutput] = {}

    def open_input(self, name: str, handler: RawHandler) -> MemoryInput:
        port = MemoryInput(name, handler, self.time)
        self.inputs[name] = port
        return port

    def open_output(self, name: str) -> MemoryOutput:
        port = MemoryOutput(name, self.time)
        self.outputs[name] = port
        return port
