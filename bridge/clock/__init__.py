"""Clock sources (MIDI follower, internal master, Ableton Link) behind one interface, and tempo math."""

from bridge.clock.ephemera import ClockSnapshot, ClockStatus, Transport, TransportChange
from bridge.clock.source import ClockSource

__all__ = ["ClockSnapshot", "ClockSource", "ClockStatus", "Transport", "TransportChange"]
