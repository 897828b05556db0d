"""A demo call player: a built-in phrase played into a responder's input every few bars (no DAW needed).

It posts the phrase's bytes to the engine exactly as if they had arrived on `drumbridge <name> in`,
so the responder hears it through the same path as a musician's call.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from bridge.clock.ephemera import Transport, TransportChange
from bridge.component import Component
from bridge.responders.config import DemoCallConfig
from bridge.responders.phrase import STEPS_PER_BEAT, Note, Phrase
from bridge.scheduler import BeatScheduler, Moment

Post = Callable[[str, list[int], float], None]  # engine.post_midi(port, bytes, time)


def _drums(bars: list[dict[int, list[int]]]) -> Phrase:
    notes = [Note(bar * 16 + step, pitch, 100, 1) for bar, steps in enumerate(bars)
             for step, pitches in steps.items() for pitch in pitches]
    return Phrase(16 * len(bars), tuple(notes))


KICK, SNARE, HAT = 36, 38, 42
PHRASES: dict[str, tuple[Phrase, int]] = {  # name -> (phrase, MIDI channel 1-16)
    "rock": (_drums([
        {0: [KICK, HAT], 2: [HAT], 4: [SNARE, HAT], 6: [HAT], 8: [KICK, HAT], 10: [KICK, HAT],
         12: [SNARE, HAT], 14: [HAT]},
        {0: [KICK, HAT], 2: [HAT], 4: [SNARE, HAT], 6: [HAT], 8: [KICK, HAT], 11: [KICK], 12: [SNARE], 14: [SNARE]},
    ]), 10),
    "funk": (_drums([
        {0: [KICK], 3: [KICK], 4: [SNARE], 7: [SNARE], 10: [KICK], 12: [SNARE], 15: [SNARE]},
        {0: [KICK], 2: [HAT], 6: [KICK], 8: [SNARE], 11: [KICK], 13: [SNARE], 14: [SNARE]},
    ]), 10),
    "melody": (Phrase(32, (Note(0, 60, 100, 4), Note(4, 64, 100, 2), Note(6, 67, 100, 2), Note(8, 72, 100, 6),
                           Note(16, 71, 100, 4), Note(20, 67, 100, 4), Note(24, 64, 100, 8))), 1),
}


class DemoCaller(Component):
    """Plays `config.phrase` into `port` from every `every_bars`-th bar line while the transport runs."""

    def __init__(self, config: DemoCallConfig, port: str, scheduler: BeatScheduler, post: Post) -> None:
        self.name = f"demo call -> {port}"
        self.config = config
        self.port = port
        self.scheduler = scheduler
        self.post = post
        self.phrase, channel = PHRASES[config.phrase]
        self.channel = channel - 1
        self._tag = f"demo-call:{port}"
        self.calls = 0

    @property
    def period(self) -> float:
        return self.config.every_bars * self.scheduler.clock.beats_per_bar

    def start(self, now: float) -> None:
        if self.scheduler.clock.transport is Transport.RUNNING:
            self._arm(self.scheduler.clock.beat_at(now))

    def on_transport(self, change: TransportChange) -> None:
        self.scheduler.cancel(self._tag)
        if change.kind in ("start", "continue"):
            self._arm(change.beat)

    def poll(self, now: float) -> None:
        if not self._armed and self.scheduler.clock.transport is Transport.RUNNING:
            self._arm(self.scheduler.clock.beat_at(now))

    _armed = False

    def _arm(self, beat: float) -> None:
        first = math.ceil(round(beat / self.period, 9)) * self.period
        self.scheduler.schedule(first, self._play, 0.0, self._tag)
        self._armed = True

    def _play(self, moment: Moment) -> float:
        """Post the phrase's notes at their beats; repeat one period later."""
        self.calls += 1
        for note in self.phrase.notes:
            on = moment.beat + note.step / STEPS_PER_BEAT
            off = on + note.length * 0.9 / STEPS_PER_BEAT
            velocity = self.config.velocity
            self.scheduler.schedule(on, lambda m, n=note.pitch, v=velocity: self._send([0x90 | self.channel, n, v], m),
                                    0.0, self._tag)
            self.scheduler.schedule(off, lambda m, n=note.pitch: self._send([0x80 | self.channel, n, 0], m),
                                    0.0, self._tag)
        return moment.beat + self.period

    def _send(self, data: list[int], moment: Moment) -> None:
        self.post(self.port, data, moment.actual_time)

    def panic(self) -> None:
        self.scheduler.cancel(self._tag)
        self._armed = False
