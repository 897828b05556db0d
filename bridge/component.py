"""The shape of every engine part (OSC publisher, responder, drum link, ...): hooks the engine calls on its thread."""

from __future__ import annotations

import math

from bridge.clock.ephemera import TransportChange

# Housekeeping (telemetry, heartbeats) due within this many seconds runs on a wake-up the show makes
# anyway (at 120 BPM a MIDI clock tick every 21 ms) instead of waking the engine for itself.
HOUSEKEEPING_EARLY_S = 0.025


def housekeeping_due(now: float, deadline: float) -> bool:
    """Whether housekeeping with this deadline may run at `now` (up to HOUSEKEEPING_EARLY_S early)."""
    return now >= deadline - HOUSEKEEPING_EARLY_S


def next_in_cadence(deadline: float, interval: float, now: float) -> float:
    """The deadline after `deadline`, keeping the cadence; after a stall, restarted from `now` (no burst)."""
    following = deadline + interval
    return following if following > now else now + interval


class Component:
    """A part of the show driven by the engine thread. Override only the hooks you need."""

    name = "component"

    def start(self, now: float) -> None:
        """The show is starting (ports are open, the clock is set up)."""

    def on_transport(self, change: TransportChange) -> None:
        """The transport started, stopped or continued."""

    def poll(self, now: float) -> None:
        """Do time-driven work due at `now` (never block: this is the clock path)."""

    def next_wakeup(self, now: float) -> float:
        """The latest time `poll` must run again (inf: only when something else happens)."""
        return math.inf

    def panic(self) -> None:
        """Silence everything this part makes sound, now."""

    def close(self) -> None:
        """Release ports and files; called once at shutdown, after `panic`."""

    def publish(self, now: float) -> None:
        """Publish this part's state to telemetry (called ~10 times a second)."""
