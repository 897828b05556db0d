"""One responder: the call-and-response state machine, run on the engine thread in musical time.

idle → listening (recording the call) → generating → responding (from the next bar line) → listening.
Every transition is a scheduler event at a beat, so the machine follows the clock's tempo and
runs the same in virtual time. The model runs on a worker, never on the clock path: a streaming
model is fed the call step by step while it is played, and hands the answer back piece by piece
(the first step alone, then a beat at a time), each piece due at its own first step. One-shot
models hand over the whole answer, due at its first step. Whatever is not ready when due is
played by the fallback, logged and counted.
"""

from __future__ import annotations

import enum
import logging
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import mido

from bridge.clock.ephemera import Transport, TransportChange
from bridge.clock.source import ClockSource
from bridge.component import Component
from bridge.groove.model import GrooveModel
from bridge.responders.config import ResponderConfig
from bridge.responders.generator import CallStream, Generator, open_stream
from bridge.responders.grooving import EARLY_STEPS, GroovedNote, groove_piece, warm
from bridge.responders.phrase import STEPS_PER_BEAT, NoteLog, Phrase
from bridge.responders.player import AnswerPlayer
from bridge.responders.worker import Feed, Job, Outcome, Worker
from bridge.scheduler import BeatScheduler, Moment
from bridge.services import NoteListener, StateListener
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

log = logging.getLogger(__name__)

HALF_STEP = 0.5 / STEPS_PER_BEAT  # beats: the call closes half a step before its end (the last step's rounding edge)
DEADLINE_LEAD = 0.002  # seconds: the deadline fires this much before the answer's first step
TEMPERATURE_RANGE = (0.05, 4.0)
CHUNK_STEPS = STEPS_PER_BEAT  # streaming models hand over the first step, then a beat at a time, each due on time



class State(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    GENERATING = "generating"
    RESPONDING = "responding"


@dataclass(frozen=True)
class AnswerRecord:
    """What played for one answer slot: the model's answer or a fallback, from which beat."""

    responder: str
    index: int
    start_beat: float
    source: str  # "model", "fallback:<kind>", "model+fallback:<kind>" (late mid-answer), "model:cut", "loop[:mutated]"
    answer: Phrase
    late: bool
    gen_ms: float | None = None  # model time of this answer (None: fallback or loop)
    margin_ms: float | None = None  # how long before its first step the answer was ready


@dataclass
class _Answer:
    """The answer being played: which job, from which beat, what has been scheduled so far."""

    job: Job
    start: float
    notes: list = field(default_factory=list)
    gen_ms: float = 0.0
    margin_ms: float = math.inf


def answer_entropy(seed: int, name: str, index: int) -> tuple[int, ...]:
    """The seed material of answer `index`: independent of wall-clock time, so replays match bit for bit."""
    return (seed, zlib.crc32(name.encode("utf-8")), index)


class Responder(Component):
    """A model on a pair of virtual ports, answering calls on the show's clock."""

    def __init__(self, config: ResponderConfig, generators: list[Generator], scheduler: BeatScheduler,
                 send: Callable[[list[int]], None], telemetry: Telemetry, worker: Worker,
                 time_source: TimeSource) -> None:
        if not generators:
            raise ValueError(f"responder {config.name!r} needs at least one model")
        self.config = config
        self.name = config.name
        self.generators = generators
        self.scheduler = scheduler
        self.telemetry = telemetry
        self.worker = worker
        self.time = time_source
        self.model_index = 0
        self.temperature = config.temperature
        self.call_bars = config.call_bars
        self.answer_bars = config.answer_bars
        self.mode = config.mode
        self.looping = config.mode == "loop"
        self.groove: GrooveModel | None = None  # set by the wiring for `groove = ...`; None = the plain grid
        self.humanize = config.humanize
        self.state = State.IDLE
        self.notes = NoteLog()
        self.last_call: Phrase | None = None
        self.last_answer: Phrase | None = None
        self.state_listeners: list[StateListener] = []
        self.answer_listeners: list[Callable[[AnswerRecord], None]] = []
        self._tag = f"responder:{self.name}"
        self.player = AnswerPlayer(config, scheduler, send, telemetry, self._tag)
        self._jobs = 0
        self._pending: Job | None = None  # the job whose answer is due next (or playing)
        self._pieces: dict[int, Outcome] = {}  # its pieces that are ready
        self._current: _Answer | None = None  # the answer being played, piece by piece
        self._mutated: Phrase | None = None
        self._mutate_index: int | None = None
        self.answers = self.late = self.fallbacks = self.errors = 0
        self.last_gen_ms: float | None = None
        self.margin_ms: float | None = None
        self.phase_end: float | None = None  # the beat where the current call or answer ends (for the dashboard)

    # -- hooks for the show wiring -----------------------------------------------------------
    def add_note_listener(self, listener: NoteListener) -> None:
        """Hear every answer note `lead_ms` before it sounds, with its beat (drum link, OSC)."""
        self.player.note_listeners.append(listener)

    @property
    def note_listeners(self) -> list[NoteListener]:
        return self.player.note_listeners

    @property
    def muted(self) -> bool:
        return self.player.muted

    @property
    def sounding(self) -> dict[int, int]:
        return self.player.sounding

    def add_state_listener(self, listener: StateListener) -> None:
        """Hear every state change (OSC `/responder/<name>/state`)."""
        self.state_listeners.append(listener)

    @property
    def generator(self) -> Generator:
        return self.generators[self.model_index]

    @property
    def clock(self) -> ClockSource:
        return self.scheduler.clock

    @property
    def bar_beats(self) -> int:
        return self.clock.beats_per_bar

    # -- input (engine thread) ----------------------------------------------------------------
    def on_midi(self, message: mido.Message, t: float) -> None:
        """A message from `drumbridge <name> in`: a note of the call, or a control change."""
        if message.type == "control_change":
            self._control(message.control, message.value)
            return
        if message.type not in ("note_on", "note_off"):
            return
        if self.clock.transport is not Transport.RUNNING:
            return  # no musical time to place the note at
        beat = self.clock.beat_at(t)
        if message.type == "note_on" and message.velocity > 0:
            self.notes.note_on(message.note, message.velocity, beat)
            if self.state is State.IDLE and not (self.looping and self.last_answer is not None):
                self._begin_call(beat)
        else:
            self.notes.note_off(message.note, beat)

    def _begin_call(self, beat: float) -> None:
        """The first note after idle: the call starts at the bar that holds it (after rounding to the grid)."""
        snapped = math.floor(beat * STEPS_PER_BEAT + 0.5) / STEPS_PER_BEAT
        start = math.floor(snapped / self.bar_beats) * self.bar_beats
        self._listen_from(start)

    def _listen_from(self, start: float) -> None:
        self._set_state(State.LISTENING)
        end = start + self.call_bars * self.bar_beats
        self.phase_end = end
        stream = self._stream_call(start, end)
        self._at(end - HALF_STEP, lambda m: self._close_call(m, start, end, stream))

    def _stream_call(self, start: float, end: float) -> CallStream | None:
        """Feed the call window [start, end) to the model step by step, as soon as each step is final.

        A step is final half a step after it starts (later notes round to the next one), so when the
        call closes only its last step is left to feed.
        """
        stream = open_stream(self.generator)
        if stream is not None:
            steps = round((end - start) * STEPS_PER_BEAT)
            for step in range(steps - 1):
                self._at(start + step / STEPS_PER_BEAT + HALF_STEP, lambda m, upto=step + 1: self.worker.feed(
                    Feed(stream, self.notes.window(start, steps), upto)))
        return stream

    # -- the cycle (scheduler events) -------------------------------------------------------
    def _at(self, beat: float, action: Callable[[Moment], None], latency: float = 0.0) -> None:
        self.scheduler.schedule(beat, action, latency, self._tag)

    @property
    def _base_mode(self) -> str:
        """What the responder does when not looping."""
        return "continuous" if self.mode == "continuous" else "call-response"

    def _close_call(self, moment: Moment, start: float, answer_start: float, stream: CallStream | None = None) -> None:
        """The call is complete: quantize it and hand it to the worker; the deadline is the next bar line."""
        steps = round((answer_start - start) * STEPS_PER_BEAT)
        call = self.notes.window(start, steps)
        if call.empty and self._base_mode == "call-response":
            self._set_state(State.IDLE)
            return
        self.last_call = call
        self._submit(call, moment.actual_time, answer_start, stream)
        self._set_state(State.GENERATING)
        self._at(answer_start, lambda m: self._deadline(m, answer_start), latency=DEADLINE_LEAD)

    def _submit(self, call: Phrase, now: float, answer_start: float, stream: CallStream | None = None) -> Job:
        steps = self.answer_bars * self.bar_beats * STEPS_PER_BEAT
        index = self._jobs
        self._jobs += 1
        job = Job(self.name, index, call, steps, self.temperature,
                  answer_entropy(self.config.seed, self.name, index), self.generator, now,
                  self.clock.time_at(answer_start) - DEADLINE_LEAD, stream, CHUNK_STEPS)
        self._pending = job
        self._pieces.clear()
        self.worker.submit(job)
        return job

    def _deadline(self, moment: Moment, start: float) -> None:
        """The answer's first step has come: play what the model has ready, piece by piece, else the fallback."""
        self._collect(moment.actual_time)
        job = self._pending
        if job is None:
            return
        self.answers += 1
        self._set_state(State.RESPONDING)
        self._current = _Answer(job, start)
        self._play_piece(0)
        self.phase_end = start + self.answer_bars * self.bar_beats
        self._continue_after(self.phase_end)

    def _play_piece(self, piece: int) -> None:
        """Piece `piece` of the answer is due: schedule its notes, or give the rest of the answer to the fallback."""
        current = self._current
        if current is None:
            return
        job = current.job
        first_step = job.piece_starts[piece]
        outcome = self._pieces.pop(piece, None)
        if outcome is not None and outcome.answer is not None:
            due = self.clock.time_at(current.start + first_step / STEPS_PER_BEAT)
            current.margin_ms = min(current.margin_ms, (due - outcome.finished) * 1000.0)
            current.gen_ms += outcome.gen_ms
            current.notes.extend(outcome.answer.notes)
            grooved = self._groove(outcome.answer, Phrase(job.steps, tuple(current.notes)), job.piece_end(piece),
                                   first_step, job.entropy, job.call, no_early_before=1 if piece == 0 else 0)
            self._schedule_notes(outcome.answer, current.start, grooved)
            if outcome.last:
                self._finish_answer("model", late=False)
            else:
                next_beat = current.start + job.piece_end(piece) / STEPS_PER_BEAT
                if self._grooving:  # early hits of the next piece go out early
                    next_beat -= EARLY_STEPS / STEPS_PER_BEAT
                self._at(next_beat, lambda m: self._play_piece(piece + 1), latency=DEADLINE_LEAD)
            return
        self.late += 1
        self.fallbacks += 1
        fallback, kind = self._fallback(job)
        rest = Phrase(job.steps, tuple(n for n in fallback.notes if n.step >= first_step)) if fallback else None
        if rest is not None:
            current.notes.extend(rest.notes)
            self._schedule_notes(rest, current.start, self._groove(rest, rest, rest.steps, first_step, job.entropy,
                                                                   job.call, no_early_before=first_step + 1))
        why = outcome.error if outcome is not None else "not ready in time"
        where = "at its first step" if piece == 0 else f"at step {first_step}"
        self.telemetry.event("warning", self._tag, f"answer {job.index} {why} {where}; playing {kind}")
        self._finish_answer(kind if piece == 0 else f"model+{kind}", late=True)

    def _finish_answer(self, source: str, late: bool) -> None:
        current, self._current = self._current, None
        self._pending = None
        self._pieces.clear()
        if current is None:
            return
        answer = Phrase(current.job.steps, tuple(current.notes))
        gen_ms = margin_ms = None
        if source == "model":  # complete and on time
            self.last_answer = answer
            gen_ms = self.last_gen_ms = round(current.gen_ms, 3)
            margin_ms = self.margin_ms = round(current.margin_ms, 3)
            self.telemetry.event("debug", self._tag, f"answer {current.job.index} from beat {current.start:g}: "
                                 f"{gen_ms} ms of model, margin {margin_ms} ms")
        self._record(AnswerRecord(self.name, current.job.index, current.start, source, answer, late,
                                  gen_ms, margin_ms))

    def _record(self, record: AnswerRecord) -> None:
        for listener in self.answer_listeners:
            listener(record)

    def _fallback(self, job: Job | None) -> tuple[Phrase | None, str]:
        steps = self.answer_bars * self.bar_beats * STEPS_PER_BEAT
        kind = self.config.fallback
        if kind == "repeat-last" and self.last_answer is not None:
            return self.last_answer.fitted(steps), "fallback:repeat-last"
        if kind in ("repeat-call", "repeat-last") and job is not None:
            return job.call.fitted(steps), f"fallback:{kind}"
        return None, "fallback:silence"

    def _play_whole(self, answer: Phrase | None, start: float, source: str) -> None:
        """Play a phrase that is already known (a loop pass) from `start`, then carry on."""
        steps = self.answer_bars * self.bar_beats * STEPS_PER_BEAT
        self.answers += 1
        self._set_state(State.RESPONDING)
        if answer is not None:
            entropy = (*answer_entropy(self.config.seed, self.name, 2**32 - 1), max(0, round(start * STEPS_PER_BEAT)))
            self._schedule_notes(answer, start, self._groove(answer, answer, answer.steps, 0, entropy, self.last_call,
                                                             no_early_before=1))
        self._record(AnswerRecord(self.name, -1, start, source, answer or Phrase(steps), False))
        self.phase_end = start + self.answer_bars * self.bar_beats
        self._continue_after(self.phase_end)

    def _continue_after(self, end: float) -> None:
        """Decide, half a step before the answer ends, what comes next (streaming the next call if continuous)."""
        stream, call_bars = None, self.call_bars
        if self._base_mode == "continuous" and not self.looping:
            stream = self._stream_call(end - call_bars * self.bar_beats, end)
        self._at(end - HALF_STEP, lambda m: self._carry_on(m, end, stream if call_bars == self.call_bars else None))

    def _carry_on(self, moment: Moment, end: float, stream: CallStream | None) -> None:
        """Half a step before an answer ends: loop it, answer again at once (continuous), or listen."""
        if self.looping:
            self._at(end, lambda m: self._loop_boundary(m, end), latency=DEADLINE_LEAD)
        elif self._base_mode == "continuous":
            self._close_call(moment, end - self.call_bars * self.bar_beats, end, stream)
        else:
            self._at(end, lambda m: self._listen_from(end))

    def _loop_boundary(self, moment: Moment, start: float) -> None:
        """Loop mode: play the mutated answer if one is ready, else the last answer again."""
        self._collect(moment.actual_time)
        answer, source = self.last_answer, "loop"
        if self._mutated is not None:
            answer, source = self._mutated, "loop:mutated"
            self.last_answer, self._mutated = self._mutated, None
        steps = self.answer_bars * self.bar_beats * STEPS_PER_BEAT
        self._play_whole(answer.fitted(steps) if answer is not None else None, start, source)

    @property
    def _grooving(self) -> bool:
        """Whether answers get the groove model's velocity and timing (a drum model, groove on, humanize > 0)."""
        return self.groove is not None and self.generator.drums and self.humanize > 0.0

    def _base_velocity(self) -> int:
        return self.config.velocity or (self.last_call.median_velocity() if self.last_call else 100)

    def _groove(self, piece: Phrase, known: Phrase, known_steps: int, first_step: int, entropy: tuple[int, ...],
                call: Phrase | None, no_early_before: int) -> list[GroovedNote] | None:
        """The piece's notes with the groove's velocities and offsets (None when not grooving)."""
        model = self.groove
        if model is None or not self._grooving:
            return None
        return groove_piece(model, piece, known, call, known_steps=known_steps, first_step=first_step,
                            velocity=self._base_velocity(), humanize=self.humanize, qpm=self.clock.bpm,
                            entropy=entropy, no_early_before=no_early_before)

    def _schedule_notes(self, answer: Phrase, start: float, grooved: list[GroovedNote] | None = None) -> None:
        velocity = self._base_velocity()
        plan = grooved if grooved is not None else [GroovedNote(n, velocity, 0.0) for n in answer.notes]
        self.player.play(plan, start, self.generator.drums)

    # -- worker results ------------------------------------------------------------------------
    def _collect(self, now: float) -> None:
        for outcome in self.worker.collect(now):
            if outcome.error is not None:
                self.errors += 1
                self.telemetry.event("error", self._tag, f"model {outcome.job.generator.name}: {outcome.error}")
            if self._pending is not None and outcome.job.index == self._pending.index:
                self._pieces[outcome.piece] = outcome
            elif outcome.job.index == self._mutate_index and outcome.answer is not None:
                self._mutated = outcome.answer

    def poll(self, now: float) -> None:
        self._collect(now)

    def next_wakeup(self, now: float) -> float:
        return self.worker.next_ready(now)

    # -- controls (engine thread: CC on the input port, or commands) ---------------------------
    def set_temperature(self, value: float) -> None:
        low, high = TEMPERATURE_RANGE
        self.temperature = round(min(high, max(low, float(value))), 4)

    def set_humanize(self, value: float) -> None:
        """How much groove (0 = the plain grid, 1 = the groove model's full velocity and timing)."""
        self.humanize = round(min(1.0, max(0.0, float(value))), 4)

    def set_bars(self, call: int, answer: int) -> None:
        """Lengths for the next call and answer (the current ones finish as they are)."""
        for label, bars in (("call", call), ("answer", answer)):
            if not 1 <= int(bars) <= 16:
                raise ValueError(f"{label} bars must be 1..16, got {bars}")
        self.call_bars, self.answer_bars = int(call), int(answer)

    def set_loop(self, on: bool) -> None:
        """Loop the last answer from the next answer boundary on (off: back to the set mode)."""
        on = bool(on)
        if on == self.looping:
            return
        self.looping = on
        if on and self.state in (State.IDLE, State.LISTENING) and self.last_answer is not None:
            self.scheduler.cancel(self._tag)
            bar = math.floor(self.clock.beat_at(self.time()) / self.bar_beats) + 1
            start = bar * self.bar_beats
            self._at(start, lambda m: self._loop_boundary(m, start), latency=DEADLINE_LEAD)
            self._set_state(State.RESPONDING)

    def mutate(self) -> None:
        """Regenerate the looped answer from the last call; it takes over at the next loop boundary."""
        if self.last_call is None:
            self.telemetry.event("info", self._tag, "mutate: no call heard yet")
            return
        steps = self.answer_bars * self.bar_beats * STEPS_PER_BEAT
        index = self._jobs
        self._jobs += 1
        self._mutate_index = index
        now = self.time()
        job = Job(self.name, index, self.last_call, steps, self.temperature,
                  answer_entropy(self.config.seed, self.name, index), self.generator, now, math.inf)
        self.worker.submit(job)

    def set_muted(self, on: bool) -> None:
        self.player.set_muted(on)

    def select_model(self, index_or_name: int | str) -> None:
        """Switch to another model from this responder's list (by index or by name)."""
        if isinstance(index_or_name, str) and not index_or_name.lstrip("-").isdigit():
            names = [g.name for g in self.generators]
            specs = [getattr(g, "spec", g.name) for g in self.generators]
            if index_or_name not in names and index_or_name not in specs:
                raise ValueError(f"responder {self.name!r} has no model {index_or_name!r}; models: {names}")
            self.model_index = names.index(index_or_name) if index_or_name in names else specs.index(index_or_name)
            return
        index = int(index_or_name)
        if not 0 <= index < len(self.generators):
            raise ValueError(f"responder {self.name!r} has models 0..{len(self.generators) - 1}, not {index}")
        self.model_index = index

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
            self.set_bars(min(16, max(1, value)), self.answer_bars)
        elif cc.answer_bars and control == cc.answer_bars:
            self.set_bars(self.call_bars, min(16, max(1, value)))
        elif cc.loop and control == cc.loop:
            self.set_loop(on)
        elif cc.mutate and control == cc.mutate and on:
            self.mutate()
        elif cc.mute and control == cc.mute:
            self.set_muted(on)
        elif cc.model and control == cc.model:
            if value < len(self.generators):
                self.select_model(value)

    # -- component hooks -----------------------------------------------------------------------
    def start(self, now: float) -> None:
        self.worker.warm(self.generators)
        if self.groove is not None:
            warm(self.groove)

    def on_transport(self, change: TransportChange) -> None:
        """A Stop (from Live or our own clock) ends the cycle; the song position may jump before the next start."""
        if change.kind == "stop":
            self.panic()
            self.notes.clear()

    def panic(self) -> None:
        """All notes off now; forget the answer in flight and wait for the next call."""
        if self._current is not None:  # the answer was cut short: record what was scheduled of it
            self._finish_answer("model:cut", late=False)
        self.scheduler.cancel(self._tag)
        self.player.stop()
        self._pending = self._current = None
        self._pieces.clear()
        self._mutated = None
        self._set_state(State.IDLE)

    def close(self) -> None:
        self.panic()
        self.worker.close()

    def _set_state(self, state: State) -> None:
        if state is self.state:
            return
        self.state = state
        if state is State.IDLE:
            self.phase_end = None
        for listener in self.state_listeners:
            try:
                listener(self.name, state.value)
            except Exception:
                log.exception("state listener failed")

    def publish(self, now: float) -> None:
        self.telemetry.replace(f"responder.{self.name}", {
            "state": self.state.value, "model": self.generator.name, "model_index": self.model_index,
            "models": [g.name for g in self.generators], "temperature": self.temperature,
            "humanize": self.humanize, "groove": self.config.groove if self.groove is not None else "none",
            "call_bars": self.call_bars, "answer_bars": self.answer_bars,
            "mode": "loop" if self.looping else self.mode, "muted": self.muted,
            "last_gen_ms": self.last_gen_ms, "margin_ms": self.margin_ms, "late": self.late,
            "fallback": self.config.fallback, "fallbacks": self.fallbacks, "answers": self.answers,
            "errors": self.errors, "seed": self.config.seed, "channel": self.config.channel,
            "input": self.config.input_port, "output": self.config.output_port,
            "sounding": len(self.sounding), "next_beat": self.phase_end,
        })
