"""A plain-text view of the show for terminals without the dashboard: one line per beat, plus warnings."""

from __future__ import annotations

import math
import sys
from typing import TextIO

from bridge.clock.ephemera import TransportChange
from bridge.component import Component
from bridge.scheduler import BeatScheduler, Moment


class BeatPrinter(Component):
    """Prints `bar 3 | beat 2 | 120.00 BPM | locked` on every beat while the transport runs."""

    name = "console"

    def __init__(self, scheduler: BeatScheduler, stream: TextIO = sys.stdout) -> None:
        self.scheduler = scheduler
        self.stream = stream

    def on_transport(self, change: TransportChange) -> None:
        self.stream.write(f"transport: {change.kind} at beat {change.beat:g}\n")
        self.stream.flush()
        self.scheduler.cancel("console")
        if change.kind != "stop":
            self.scheduler.schedule(math.ceil(change.beat - 1e-9), self._beat, tag="console")

    def _beat(self, moment: Moment) -> float:
        clock = self.scheduler.clock
        snap = clock.snapshot(moment.actual_time)
        beat = round(moment.beat)
        bar, in_bar = beat // clock.beats_per_bar + 1, beat % clock.beats_per_bar + 1
        self.stream.write(f"bar {bar:4d} | beat {in_bar} | {snap.bpm:7.2f} BPM | {snap.status.value}\n")
        self.stream.flush()
        return beat + 1.0
