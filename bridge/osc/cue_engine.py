"""The set file's OSC cues, fired: on a bar/beat of the song, on a responder's state, on a note, or by hand."""

from __future__ import annotations

from collections import deque
from typing import Any

from bridge.clock.ephemera import Transport
from bridge.osc.clock_messages import STALE_BEATS
from bridge.osc.config import CueConfig, OscConfig
from bridge.osc.cues import cue_args, next_cue_beat, note_matches, state_matches
from bridge.osc.delivery import OscDelivery
from bridge.osc.target import OscTarget
from bridge.scheduler import Action, BeatScheduler, Moment
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

CUE_TAG = "osc-cue"


class CueEngine:
    """Matches events against the cues, fills in mapped arguments and hands the cue to `delivery`; counts what fired."""

    def __init__(self, config: OscConfig, scheduler: BeatScheduler, delivery: OscDelivery, telemetry: Telemetry,
                 time_source: TimeSource | None = None) -> None:
        self.scheduler = scheduler
        self.clock = scheduler.clock
        self.delivery = delivery
        self.telemetry = telemetry
        self.sections = {s.name: s for s in config.sections}
        self.cues = {c.name: c for c in config.cues}
        self._time = time_source
        self.fired = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=8)  # for the dashboard

    def note_sources(self) -> set[str]:
        """The ports and responders some note cue listens to ("*": all of them)."""
        return {c.note.source for c in self.cues.values() if c.note is not None}

    def on_state(self, name: str, state: str, beat: float | None) -> None:
        """Fire every state cue that responder `name` entering `state` matches."""
        for cue in self.cues.values():
            if state_matches(cue, name, state):
                self._fire(cue, {"state": state, "source": name}, beat)

    def on_note(self, source: str, note: int, velocity: int, beat: float | None) -> None:
        """Fire every note cue a note from `source` (port or responder) matches, at `beat`."""
        for cue in self.cues.values():
            if note_matches(cue, source, note, velocity):
                self._fire(cue, {"note": note, "velocity": velocity, "source": source}, beat)

    def fire(self, name: str) -> None:
        """Send cue `name` now (the osc.cue command: OSC control and the dashboard use it)."""
        cue = self.cues.get(name)
        if cue is None:
            self.telemetry.event_limited("osc unknown cue", "warning", "osc",
                                         f"no cue named {name!r}; known: {', '.join(self.cues) or 'none'}")
            return
        context: dict[str, Any] = {}
        if self._time is not None and self.clock.transport is Transport.RUNNING:
            context = self._context(self.clock.beat_at(self._time()))  # where the song is: for mapped args
        self._fire(cue, context, None)

    def warn_about_bar_cues(self) -> None:
        """Say which bar cues name a beat past the end of the bar (they fall in the next one)."""
        for cue in self.cues.values():
            if cue.at is not None and cue.at.beat >= self.clock.beats_per_bar + 1:
                self.telemetry.event("warning", "osc", f"cue {cue.name!r}: beat {cue.at.beat:g} is past the end "
                                     f"of a {self.clock.beats_per_bar}-beat bar; it falls in the next bar")

    def reschedule(self, from_beat: float | None) -> None:
        """Drop pending bar cues and schedule them again from `from_beat` (None: the song stopped)."""
        self.scheduler.cancel(CUE_TAG)
        if from_beat is None:
            return
        per_bar = self.clock.beats_per_bar
        for cue in self.cues.values():
            if cue.at is None:
                continue
            first = next_cue_beat(cue.at, self.sections, per_bar, from_beat)
            if first is None:
                continue
            for latency, group in self.delivery.groups("cue", cue.targets):
                self.scheduler.schedule(first, self._bar_cue_action(cue, group), latency=latency, tag=CUE_TAG)

    def _context(self, beat: float | None) -> dict[str, Any]:
        """What mapped cue arguments can use: tempo, and the musical position when the event has one."""
        context: dict[str, Any] = {"bpm": round(self.clock.bpm, 3)}
        if beat is not None:
            per_bar = self.clock.beats_per_bar
            context.update(beat=round(beat, 4), bar=int(beat // per_bar) + 1, beat_in_bar=int(beat % per_bar) + 1)
        return context

    def _fire(self, cue: CueConfig, context: dict[str, Any], beat: float | None) -> None:
        full = {**self._context(beat), **context}
        self._count(cue, full)
        self.delivery.emit("cue", cue.osc_address, cue_args(cue.args, full), beat, cue.targets)

    def _count(self, cue: CueConfig, context: dict[str, Any]) -> None:
        self.fired += 1
        entry: dict[str, Any] = {"name": cue.name}
        if "bar" in context:
            entry.update(bar=context["bar"], beat=context["beat_in_bar"])
        self.recent.append(entry)

    def _bar_cue_action(self, cue: CueConfig, group: list[OscTarget]) -> Action:
        assert cue.at is not None
        trigger = cue.at

        def action(moment: Moment) -> float | None:
            now_beat = self.clock.beat_at(moment.actual_time)
            if moment.beat < now_beat - STALE_BEATS:  # the song jumped past it: no stale cue
                return next_cue_beat(trigger, self.sections, self.clock.beats_per_bar, now_beat)
            context = self._context(moment.beat)
            args = cue_args(cue.args, context)
            for target in group:
                target.send(cue.osc_address, *args, at=moment.desired_time + target.latency)
            if group is self.delivery.groups("cue", cue.targets)[0][1]:
                self._count(cue, context)  # once per cue, not once per latency group
            return next_cue_beat(trigger, self.sections, self.clock.beats_per_bar, moment.beat + 0.01)

        return action
