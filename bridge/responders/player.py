"""The answer player: a responder's answer notes onto the scheduler, out of its port and to its note listeners.

It owns what sounds (so a panic or mute releases exactly that) and who hears answer notes ahead of
their beat (the drum, OSC). The cycle state machine (`Responder`) decides what to play and when.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bridge.responders.config import ResponderConfig
from bridge.responders.grooving import GroovedNote
from bridge.responders.phrase import STEPS_PER_BEAT
from bridge.scheduler import Action, BeatScheduler, Moment
from bridge.services import NoteListener
from bridge.telemetry import Telemetry

log = logging.getLogger(__name__)


class AnswerPlayer:
    """Plays phrases on a responder's channel from a beat; releases what sounds on panic or mute."""

    def __init__(self, config: ResponderConfig, scheduler: BeatScheduler, send: Callable[[list[int]], None],
                 telemetry: Telemetry, tag: str) -> None:
        self.config = config
        self.scheduler = scheduler
        self.send = send
        self.telemetry = telemetry
        self.channel = config.channel - 1
        self.muted = config.muted
        self.sounding: dict[int, int] = {}  # pitch → the note (its number in `play`) that sounds it now
        self._numbers = itertools.count()
        self.note_listeners: list[NoteListener] = []
        self._tag = tag  # the responder's (for the log)
        self.tag = tag + ":notes"  # the scheduler tag of every note event

    def play(self, plan: Sequence[GroovedNote], start: float, drums: bool) -> None:
        """Schedule every note of `plan` (its velocity, its offset in steps) from beat `start`.

        Drum hits last one step times the gate; melodic notes their length times the gate.
        """
        lead = self.config.lead_ms / 1000.0
        for played in plan:
            note, velocity = played.note, played.velocity
            on_beat = start + (note.step + played.offset) / STEPS_PER_BEAT
            length = (1 if drums else note.length) * self.config.gate / STEPS_PER_BEAT
            pitch, number = note.pitch, next(self._numbers)
            self.scheduler.schedule(on_beat, self._action(self._note_on, pitch, velocity, number), 0.0, self.tag)
            self.scheduler.schedule(on_beat + length, self._action(self._note_off, pitch, number), 0.0, self.tag)
            if self.note_listeners:
                self.scheduler.schedule(on_beat, self._action(self._tell, pitch, velocity, on_beat), lead, self.tag)

    @staticmethod
    def _action(fn: Callable[..., None], *args: Any) -> Action:
        """A scheduler action that calls fn(*args) (whatever the moment)."""
        def action(moment: Moment) -> None:
            fn(*args)
        return action

    def set_muted(self, on: bool) -> None:
        self.muted = bool(on)
        if self.muted:
            self.release()

    def stop(self) -> None:
        """Drop every note not played yet and release what sounds."""
        self.scheduler.cancel(self.tag)
        self.release()

    def release(self) -> None:
        """Note-off for every sounding note."""
        for pitch in sorted(self.sounding):
            self.send([0x80 | self.channel, pitch, 0])
        self.sounding.clear()

    def _note_on(self, pitch: int, velocity: int, number: int) -> None:
        if self.muted:
            return
        if pitch in self.sounding:  # retriggered: end the note that sounds first
            self._note_off(pitch, self.sounding[pitch])
        self.send([0x90 | self.channel, pitch, velocity])
        self.sounding[pitch] = number

    def _note_off(self, pitch: int, number: int) -> None:
        """End note `number`; a note that a later one on the same pitch retriggered has already ended."""
        if self.sounding.get(pitch) == number:
            del self.sounding[pitch]
            self.send([0x80 | self.channel, pitch, 0])

    def _tell(self, pitch: int, velocity: int, beat: float) -> None:
        if self.muted:
            return
        for listener in self.note_listeners:
            try:
                listener(pitch, velocity, beat)
            except Exception as error:  # a broken sink must not stop the answer
                log.exception("note listener failed")
                self.telemetry.event("error", self._tag, f"note listener failed: {error}")
