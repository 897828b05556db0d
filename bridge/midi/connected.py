"""Connections to ports another app made (loopMIDI, an IAC bus, a hardware interface, another JACK client).

The set file names the port (exact name or a unique part, see bridge.midi.spec); `target` is the
full name it matched when the connection was made. The port's `name` stays what the set file says,
so routing and telemetry do not change when the target is found again under another client prefix.
Our own end of each connection is named "link in" / "link out", so it never matches a set file's name.
"""

from __future__ import annotations

import rtmidi

from bridge.midi.api import PortMissing
from bridge.midi.base import RawHandler
from bridge.midi.ports import RtInput, RtOutput
from bridge.midi.spec import PortMatchError, match_port
from bridge.timebase import TimeSource, monotonic_time


class ConnectedInput(RtInput):
    """Reads from an existing MIDI source; every message goes to `handler` under the set file's name."""

    kind = "existing MIDI source"
    existing = True

    def __init__(self, name: str, handler: RawHandler, time_source: TimeSource = monotonic_time,
                 client: str = "drumbridge", latency: float | None = None) -> None:
        self.target: str | None = None
        super().__init__(name, handler, time_source, client, latency)

    def _connect(self, rt: rtmidi.MidiIn) -> None:
        ports = list(rt.get_ports())
        try:
            self.target = match_port(ports, self.name, "MIDI source")
        except PortMatchError as error:
            raise PortMissing(str(error)) from error
        rt.open_port(ports.index(self.target), "link in")


class ConnectedOutput(RtOutput):
    """Sends to an existing MIDI destination; counted, tracked and panicked like every output."""

    kind = "existing MIDI destination"
    existing = True

    def __init__(self, name: str, client: str = "drumbridge") -> None:
        self.target: str | None = None
        super().__init__(name, client)

    def _connect(self, rt: rtmidi.MidiOut) -> None:
        ports = list(rt.get_ports())
        try:
            self.target = match_port(ports, self.name, "MIDI destination")
        except PortMatchError as error:
            raise PortMissing(str(error)) from error
        rt.open_port(ports.index(self.target), "link out")
