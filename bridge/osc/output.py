"""The OSC side of a show: targets from the set file, the clock messages, and their telemetry."""

from __future__ import annotations

from bridge.clock.ephemera import TransportChange
from bridge.component import Component
from bridge.osc.clock_messages import ClockOscPublisher
from bridge.osc.target import OscTarget
from bridge.scheduler import BeatScheduler
from bridge.setfile.models import OscConfig
from bridge.telemetry import Telemetry


class OscOutput(Component):
    """Owns the OSC targets; sends clock beat/bpm/transport to each."""

    name = "osc"

    def __init__(self, config: OscConfig, scheduler: BeatScheduler, telemetry: Telemetry) -> None:
        self.telemetry = telemetry
        self.targets = [OscTarget(t.name, t.host, t.port, t.prefix) for t in config.targets]
        latencies = [t.latency_ms / 1000.0 for t in config.targets]
        self.clock_messages = ClockOscPublisher(scheduler.clock, scheduler, list(zip(self.targets, latencies)))

    def start(self, now: float) -> None:
        for target in self.targets:
            if not target.resolve():
                self.telemetry.event("error", f"osc {target.name}", target.stats.last_error + "; messages to it are dropped")

    def on_transport(self, change: TransportChange) -> None:
        self.clock_messages.on_transport(change)

    def publish(self, now: float) -> None:
        self.telemetry.replace("osc", {"targets": [
            {"name": t.name, "host": t.host, "port": t.port, "sent": t.stats.sent,
             "errors": t.stats.errors, "last_error": t.stats.last_error}
            for t in self.targets
        ]})

    def close(self) -> None:
        for target in self.targets:
            target.close()
