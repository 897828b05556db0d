"""Getting one OSC message to the right targets at the right moment: now, or at a beat minus each target's latency."""

from __future__ import annotations

import math
from typing import Any

from bridge.clock.ephemera import Transport
from bridge.osc.clock_messages import latency_groups
from bridge.osc.target import OscTarget
from bridge.scheduler import Action, BeatScheduler, Moment

EVENT_TAG = "osc"


class OscDelivery:
    """Sends to the targets that want a kind of message (or the ones a cue names), grouped by latency."""

    def __init__(self, targets: list[OscTarget], scheduler: BeatScheduler) -> None:
        self.targets = targets
        self.scheduler = scheduler
        self.clock = scheduler.clock
        self._groups: dict[tuple[str, tuple[str, ...] | None], list[tuple[float, list[OscTarget]]]] = {}

    def emit(self, kind: str, address: str, args: tuple[Any, ...], beat: float | None,
             only: tuple[str, ...] | None = None) -> None:
        """Send `address` to every target that wants `kind` (or those named in `only`), at `beat` minus latency."""
        groups = self.groups(kind, only)
        if not groups:
            return
        if beat is None or self.clock.transport is Transport.STOPPED or not math.isfinite(self.clock.time_at(beat)):
            for _latency, group in groups:
                for target in group:
                    target.send(address, *args)
            return
        for latency, group in groups:
            self.scheduler.schedule(beat, send_action(group, address, args), latency=latency, tag=EVENT_TAG)

    def groups(self, kind: str, only: tuple[str, ...] | None) -> list[tuple[float, list[OscTarget]]]:
        """The targets for `kind` (or named in `only`) as (latency, targets) groups, worked out once."""
        key = (kind, only)
        if key not in self._groups:
            # Naming targets (a cue's `targets`) overrides their `send` lists; otherwise `send` decides.
            chosen = [t for t in self.targets if (t.wants(kind) if only is None else t.name in only)]
            self._groups[key] = latency_groups(chosen)
        return self._groups[key]


def send_action(group: list[OscTarget], address: str, args: tuple[Any, ...]) -> Action:
    """A scheduler action that sends one message to `group`, time-tagged for each target's latency."""
    def action(moment: Moment) -> None:
        for target in group:
            target.send(address, *args, at=moment.desired_time + target.latency)
    return action
