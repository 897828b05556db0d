"""One responder: a model on a pair of virtual ports, answering calls on the show's clock.

The parts, each in its module: the call-and-response cycle (`CallCycle`), what fills an answer slot
(`AnswerAssembler`), what sounds on the output (`AnswerPlayer`) and the knobs (`ResponderSettings`).
This is their face to the show: MIDI in, controls, listeners, telemetry and the component hooks.
"""

from __future__ import annotations

from collections.abc import Callable

import mido

from bridge.clock.ephemera import TransportChange
from bridge.component import Component
from bridge.groove.model import GrooveModel
from bridge.responders.answer import AnswerAssembler, AnswerRecord
from bridge.responders.config import ResponderConfig
from bridge.responders.cycle import CallCycle, State
from bridge.responders.generator import Generator
from bridge.responders.grooving import warm
from bridge.responders.phrase import Phrase
from bridge.responders.player import AnswerPlayer
from bridge.responders.settings import ResponderSettings
from bridge.responders.worker import Worker
from bridge.scheduler import BeatScheduler
from bridge.services import NoteListener, StateListener
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource


class Responder(Component):
    """A model on a pair of virtual ports, answering calls on the show's clock."""

    def __init__(self, config: ResponderConfig, generators: list[Generator], scheduler: BeatScheduler,
                 send: Callable[[list[int]], None], telemetry: Telemetry, worker: Worker,
                 time_source: TimeSource) -> None:
        self.config = config
        self.name = config.name
        self.settings = ResponderSettings(config, generators)
        self.telemetry = telemetry
        self.worker = worker
        tag = f"responder:{self.name}"
        self.player = AnswerPlayer(config, scheduler, send, telemetry, tag)
        self.assembler = AnswerAssembler(config, self.player, scheduler, worker, telemetry, tag)
        self.cycle = CallCycle(config, self.settings, scheduler, worker, self.assembler, self.player, telemetry,
                               time_source, tag)

    # -- hooks for the show wiring -----------------------------------------------------------
    def add_note_listener(self, listener: NoteListener) -> None:
        """Hear every answer note `lead_ms` before it sounds, with its beat (drum link, OSC)."""
        self.player.note_listeners.append(listener)

    def add_state_listener(self, listener: StateListener) -> None:
        """Hear every state change (OSC `/responder/<name>/state`)."""
        self.cycle.state_listeners.append(listener)

    @property
    def answer_listeners(self) -> list[Callable[[AnswerRecord], None]]:
        """Hear what played in every answer slot (console, replay, tests)."""
        return self.assembler.listeners

    def set_groove(self, model: GrooveModel | None) -> None:
        """Groove the drum answers with `model` (the set's `groove = ...`); without it the plain grid."""
        self.assembler.groove = model

    @property
    def state(self) -> State:
        return self.cycle.state

    @property
    def generator(self) -> Generator:
        return self.settings.generator

    @property
    def temperature(self) -> float:
        return self.settings.temperature

    @property
    def muted(self) -> bool:
        return self.player.muted

    @property
    def humanize(self) -> float:
        return self.assembler.humanize

    @property
    def last_answer(self) -> Phrase | None:
        return self.assembler.last_answer

    # -- input (engine thread) ----------------------------------------------------------------
    def on_midi(self, message: mido.Message, t: float) -> None:
        """A message from `drumbridge <name> in`: a note of the call, or a control change."""
        if message.type == "control_change":
            self._control(message.control, message.value)
        elif message.type == "note_on":
            self.cycle.hear(message.note, message.velocity, t)
        elif message.type == "note_off":
            self.cycle.hear(message.note, 0, t)

    # -- controls (engine thread: CC on the input port, or commands) ---------------------------
    def set_temperature(self, value: float) -> None:
        self.settings.set_temperature(value)

    def set_humanize(self, value: float) -> None:
        """How much groove (0 = the plain grid, 1 = the groove model's full velocity and timing)."""
        self.assembler.humanize = round(min(1.0, max(0.0, float(value))), 4)

    def set_bars(self, call: int, answer: int) -> None:
        """Lengths for the next call and answer (the current ones finish as they are)."""
        self.settings.set_bars(call, answer)

    def set_loop(self, on: bool) -> None:
        """Loop the last answer from the next answer boundary on (off: back to the set mode)."""
        self.cycle.set_loop(on)

    def mutate(self) -> None:
        """Regenerate the looped answer from the last call; it takes over at the next loop boundary."""
        self.cycle.mutate()

    def set_muted(self, on: bool) -> None:
        self.player.set_muted(on)

    def select_model(self, index_or_name: int | str) -> None:
        """Switch to another model from this responder's list (by index or by name)."""
        self.settings.select_model(index_or_name)

    def _control(self, control: int, value: int) -> None:
        cc = self.config.controls
        on = value >= 64
        if control in (120, 123) or (cc.panic and control == cc.panic and on):
            self.panic()
        elif cc.temperature and control == cc.temperature:
            self.set_temperature(0.1 + 1.9 * value / 127.0)
        elif cc.humanize and control == cc.humanize:
            self.set_humanize(value / 127.0)
        elif cc.call_bars and control == cc.call_bars:
            self.set_bars(min(16, max(1, value)), self.settings.answer_bars)
        elif cc.answer_bars and control == cc.answer_bars:
            self.set_bars(self.settings.call_bars, min(16, max(1, value)))
        elif cc.loop and control == cc.loop:
            self.set_loop(on)
        elif cc.mutate and control == cc.mutate and on:
            self.mutate()
        elif cc.mute and control == cc.mute:
            self.set_muted(on)
        elif cc.model and control == cc.model:
            if value < len(self.settings.generators):
                self.select_model(value)

    # -- component hooks -----------------------------------------------------------------------
    def start(self, now: float) -> None:
        self.worker.warm(self.settings.generators)
        if self.assembler.groove is not None:
            warm(self.assembler.groove)

    def poll(self, now: float) -> None:
        self.assembler.collect(now)

    def next_wakeup(self, now: float) -> float:
        return self.worker.next_ready(now)

    def on_transport(self, change: TransportChange) -> None:
        """A Stop (from Live or our own clock) ends the cycle; the song position may jump before the next start."""
        if change.kind == "stop":
            self.panic()
            self.cycle.notes.clear()

    def panic(self) -> None:
        """All notes off now; forget the answer in flight and wait for the next call."""
        self.cycle.reset()

    def close(self) -> None:
        self.panic()
        self.worker.close()

    def publish(self, now: float) -> None:
        s, a = self.settings, self.assembler
        self.telemetry.replace(f"responder.{self.name}", {
            "state": self.state.value, "model": s.generator.name, "model_index": s.model_index,
            "models": [g.name for g in s.generators], "temperature": s.temperature,
            "humanize": a.humanize, "groove": self.config.groove if a.groove is not None else "none",
            "call_bars": s.call_bars, "answer_bars": s.answer_bars,
            "mode": "loop" if s.looping else s.mode, "muted": self.muted,
            "last_gen_ms": a.last_gen_ms, "margin_ms": a.margin_ms, "late": a.late,
            "fallback": self.config.fallback, "fallbacks": a.fallbacks, "answers": a.answers,
            "errors": a.errors, "seed": self.config.seed, "channel": self.config.channel,
            "input": self.config.input_port, "output": self.config.output_port,
            "sounding": len(self.player.sounding), "next_beat": self.cycle.phase_end,
        })
