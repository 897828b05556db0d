"""The clock seen from the video machine: /clock/beat on every quarter, /clock/bpm, /clock/transport."""

from __future__ import annotations

import math

from bridge.clock.ephemera import TransportChange
from bridge.clock.source import ClockSource
from bridge.osc.target import OscTarget
from bridge.scheduler import Action, BeatScheduler, Moment

TAG = "osc-clock"
STALE_BEATS = 0.5  # a beat message this far behind the song position is not sent


def latency_groups(targets: list[OscTarget]) -> list[tuple[float, list[OscTarget]]]:
    """Targets grouped by latency, so one scheduler event serves every target with the same latency."""
    groups: dict[float, list[OscTarget]] = {}
    for target in targets:
        groups.setdefault(target.latency, []).append(target)
    return sorted(groups.items())


class ClockOscPublisher:
    """Schedules beat messages on the beat grid for each target, early by that target's latency."""

    def __init__(self, clock: ClockSource, scheduler: BeatScheduler, targets: list[OscTarget],
                 bpm_change: float = 0.05) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self.targets = [t for t in targets if t.wants("clock")]
        self.bpm_change = bpm_change
        self._last_bpm: dict[str, float] = {}
        self._first_beat = math.nan
        self.skipped = 0  # stale beats not sent
        self.lateness: list[float] = []  # seconds late per beat dispatch, for telemetry and bench (bounded)

    def on_transport(self, change: TransportChange) -> None:
        """Send the transport change and (re)start the beat grid at the next whole beat."""
        for target in self.targets:
            target.send("/clock/transport", change.kind, at=change.time)
        self.scheduler.cancel(TAG)
        if change.kind in ("start", "continue"):
            first = math.ceil(change.beat - 1e-9)
            self._first_beat = float(first)
            for latency, group in latency_groups(self.targets):
                self.scheduler.schedule(first, self._beat_action(group), latency=latency, tag=TAG)

    def _beat_action(self, group: list[OscTarget]) -> Action:
        def action(moment: Moment) -> float:
            now_beat = self.clock.beat_at(moment.actual_time)
            if moment.beat < now_beat - STALE_BEATS:
                # The song position jumped ahead (a Link phase change, a position jump): no burst of
                # stale beats, go on with the next beat to come.
                self.skipped += 1
                return float(max(math.ceil(now_beat - 1e-9), moment.beat + 1.0))
            beat = round(moment.beat)
            per_bar = self.clock.beats_per_bar
            bar, beat_in_bar = beat // per_bar + 1, beat % per_bar + 1
            bpm = round(self.clock.bpm, 2)
            for target in group:
                at = moment.desired_time + target.latency  # the beat's own clock time
                target.send("/clock/beat", int(bar), int(beat_in_bar), at=at)
                last = self._last_bpm.get(target.name)
                if beat_in_bar == 1 or last is None or abs(bpm - last) >= self.bpm_change:
                    target.send("/clock/bpm", float(bpm), at=at)
                    self._last_bpm[target.name] = bpm
            if moment.beat != self._first_beat:  # the first beat after a start cannot be sent early
                self.lateness.append(moment.lateness)
            if len(self.lateness) > 4096:
                del self.lateness[:2048]
            return beat + 1.0

        return action
