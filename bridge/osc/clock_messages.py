"""The clock seen from the video machine: /clock/beat on every quarter, /clock/bpm, /clock/transport."""

from __future__ import annotations

import math

from bridge.clock.ephemera import TransportChange
from bridge.clock.source import ClockSource
from bridge.osc.target import OscTarget
from bridge.scheduler import BeatScheduler, Moment


class ClockOscPublisher:
    """Schedules beat messages on the beat grid for each target, early by that target's latency."""

    def __init__(self, clock: ClockSource, scheduler: BeatScheduler, targets: list[tuple[OscTarget, float]],
                 bpm_change: float = 0.05) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self.targets = targets  # (target, latency in seconds)
        self.bpm_change = bpm_change
        self._last_bpm: dict[str, float] = {}

    def on_transport(self, change: TransportChange) -> None:
        """Send the transport change and (re)start the beat grid at the next whole beat."""
        for target, _latency in self.targets:
            target.send("/clock/transport", change.kind)
        self.scheduler.cancel("osc-clock")
        if change.kind in ("start", "continue"):
            first = math.ceil(change.beat - 1e-9)
            for target, latency in self.targets:
                self.scheduler.schedule(first, self._beat_action(target), latency=latency, tag="osc-clock")

    def _beat_action(self, target: OscTarget):  # noqa: ANN202 - returns a scheduler Action
        def action(moment: Moment) -> float:
            beat = round(moment.beat)
            per_bar = self.clock.beats_per_bar
            bar, beat_in_bar = beat // per_bar + 1, beat % per_bar + 1
            target.send("/clock/beat", int(bar), int(beat_in_bar))
            bpm = round(self.clock.bpm, 2)
            last = self._last_bpm.get(target.name)
            if beat_in_bar == 1 or last is None or abs(bpm - last) >= self.bpm_change:
                target.send("/clock/bpm", float(bpm))
                self._last_bpm[target.name] = bpm
            return beat + 1.0

        return action
