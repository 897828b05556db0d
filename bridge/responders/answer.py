"""What plays in an answer slot: the model's answer piece by piece as the worker hands it over, the
fallback for whatever is not ready when due, the groove on top, and a record of each answer.

The cycle state machine (`Responder`) decides when a slot starts; this decides what fills it and
counts how that went (answers, late, fallbacks, model errors, generation time and margin).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from bridge.groove.model import GrooveModel
from bridge.responders.config import ResponderConfig
from bridge.responders.generator import Generator
from bridge.responders.grooving import EARLY_STEPS, GroovedNote, groove_piece
from bridge.responders.phrase import STEPS_PER_BEAT, Note, Phrase
from bridge.responders.player import AnswerPlayer
from bridge.responders.worker import Job, Outcome, Worker
from bridge.scheduler import BeatScheduler
from bridge.telemetry import Telemetry

DEADLINE_LEAD = 0.002  # seconds: a piece's deadline fires this much before its first step


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
    notes: list[Note] = field(default_factory=list)
    gen_ms: float = 0.0
    margin_ms: float = math.inf


class AnswerAssembler:
    """Fills answer slots from the worker's pieces, the fallback and the groove; records every answer."""

    def __init__(self, config: ResponderConfig, player: AnswerPlayer, scheduler: BeatScheduler, worker: Worker,
                 telemetry: Telemetry, tag: str) -> None:
        self.config = config
        self.player = player
        self.scheduler = scheduler
        self.worker = worker
        self.telemetry = telemetry
        self.tag = tag  # the responder's scheduler tag: its panic cancels the pieces still to come
        self.groove: GrooveModel | None = None  # set by the wiring for `groove = ...`; None = the plain grid
        self.humanize = config.humanize
        self.last_call: Phrase | None = None
        self.last_answer: Phrase | None = None
        self.listeners: list[Callable[[AnswerRecord], None]] = []
        self.answers = self.late = self.fallbacks = self.errors = 0
        self.last_gen_ms: float | None = None
        self.margin_ms: float | None = None
        self._pending: Job | None = None  # the job whose answer is due next (or playing)
        self._pieces: dict[int, Outcome] = {}  # its pieces that are ready
        self._current: _Answer | None = None  # the answer being played, piece by piece
        self._mutated: Phrase | None = None
        self._mutate_index: int | None = None

    # -- the worker ------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        """The answer for the next slot (a slot has one job: a newer one replaces it)."""
        self._pending = job
        self._pieces.clear()
        self.worker.submit(job)

    def submit_mutation(self, job: Job) -> None:
        """A new answer for the loop; it takes over at the next loop boundary (`take_mutation`)."""
        self._mutate_index = job.index
        self.worker.submit(job)

    def collect(self, now: float) -> None:
        """Take what the worker finished: pieces of the pending answer, a mutation, model errors."""
        for outcome in self.worker.collect(now):
            if outcome.error is not None:
                self.errors += 1
                self.telemetry.event("error", self.tag, f"model {outcome.job.generator.name}: {outcome.error}")
            if self._pending is not None and outcome.job.index == self._pending.index:
                self._pieces[outcome.piece] = outcome
            elif outcome.job.index == self._mutate_index and outcome.answer is not None:
                self._mutated = outcome.answer

    def take_mutation(self) -> Phrase | None:
        """The mutated answer if one is ready (it becomes the last answer)."""
        mutated, self._mutated = self._mutated, None
        if mutated is not None:
            self.last_answer = mutated
        return mutated

    # -- playing ---------------------------------------------------------------------------------
    def begin(self, start: float) -> bool:
        """The pending answer's first step has come: play what is ready from beat `start` (False: no job)."""
        job = self._pending
        if job is None:
            return False
        self.answers += 1
        self._current = _Answer(job, start)
        self._play_piece(0)
        return True

    def _play_piece(self, piece: int) -> None:
        """Piece `piece` of the answer is due: schedule its notes, or give the rest of the answer to the fallback."""
        current = self._current
        if current is None:
            return
        job = current.job
        first_step = job.piece_starts[piece]
        outcome = self._pieces.pop(piece, None)
        if outcome is not None and outcome.answer is not None:
            due = self.scheduler.clock.time_at(current.start + first_step / STEPS_PER_BEAT)
            current.margin_ms = min(current.margin_ms, (due - outcome.finished) * 1000.0)
            current.gen_ms += outcome.gen_ms
            current.notes.extend(outcome.answer.notes)
            grooved = self._groove(outcome.answer, Phrase(job.steps, tuple(current.notes)), job.piece_end(piece),
                                   first_step, job.entropy, job.call, job.generator,
                                   no_early_before=1 if piece == 0 else 0)
            self._schedule(outcome.answer, current.start, grooved, job.generator)
            if outcome.last:
                self.finish("model", late=False)
            else:
                next_beat = current.start + job.piece_end(piece) / STEPS_PER_BEAT
                if self._grooving(job.generator):  # early hits of the next piece go out early
                    next_beat -= EARLY_STEPS / STEPS_PER_BEAT
                self.scheduler.schedule(next_beat, lambda m: self._play_piece(piece + 1), DEADLINE_LEAD, self.tag)
            return
        self.late += 1
        self.fallbacks += 1
        fallback, kind = self._fallback(job)
        rest = Phrase(job.steps, tuple(n for n in fallback.notes if n.step >= first_step)) if fallback else None
        if rest is not None:
            current.notes.extend(rest.notes)
            self._schedule(rest, current.start, self._groove(rest, rest, rest.steps, first_step, job.entropy,
                                                             job.call, job.generator,
                                                             no_early_before=first_step + 1), job.generator)
        why = outcome.error if outcome is not None else "not ready in time"
        where = "at its first step" if piece == 0 else f"at step {first_step}"
        self.telemetry.event("warning", self.tag, f"answer {job.index} {why} {where}; playing {kind}")
        self.finish(kind if piece == 0 else f"model+{kind}", late=True)

    def finish(self, source: str, late: bool) -> None:
        """The answer in play is complete (or cut): record it; a complete model answer becomes the last answer."""
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
            self.telemetry.event("debug", self.tag, f"answer {current.job.index} from beat {current.start:g}: "
                                 f"{gen_ms} ms of model, margin {margin_ms} ms")
        self._record(AnswerRecord(self.config.name, current.job.index, current.start, source, answer, late,
                                  gen_ms, margin_ms))

    def play_known(self, answer: Phrase | None, steps: int, start: float, source: str, generator: Generator) -> None:
        """Play a phrase that is already known (a loop pass) from `start`, and record it."""
        self.answers += 1
        if answer is not None:
            entropy = (*answer_entropy(self.config.seed, self.config.name, 2**32 - 1),
                       max(0, round(start * STEPS_PER_BEAT)))
            self._schedule(answer, start, self._groove(answer, answer, answer.steps, 0, entropy, self.last_call,
                                                       generator, no_early_before=1), generator)
        self._record(AnswerRecord(self.config.name, -1, start, source, answer or Phrase(steps), False))

    def cut(self) -> None:
        """Panic or Stop: record what was scheduled of the answer in play, forget every job."""
        if self._current is not None:
            self.finish("model:cut", late=False)
        self._pending = self._current = None
        self._pieces.clear()
        self._mutated = None

    def _record(self, record: AnswerRecord) -> None:
        for listener in self.listeners:
            listener(record)

    def _fallback(self, job: Job) -> tuple[Phrase | None, str]:
        kind = self.config.fallback
        if kind == "repeat-last" and self.last_answer is not None:
            return self.last_answer.fitted(job.steps), "fallback:repeat-last"
        if kind in ("repeat-call", "repeat-last"):
            return job.call.fitted(job.steps), f"fallback:{kind}"
        return None, "fallback:silence"

    # -- the groove --------------------------------------------------------------------------------
    def _grooving(self, generator: Generator) -> bool:
        """Whether answers get the groove model's velocity and timing (a drum model, groove on, humanize > 0)."""
        return self.groove is not None and generator.drums and self.humanize > 0.0

    def base_velocity(self) -> int:
        """The set's velocity, else the call's median velocity."""
        return self.config.velocity or (self.last_call.median_velocity() if self.last_call else 100)

    def _groove(self, piece: Phrase, known: Phrase, known_steps: int, first_step: int, entropy: tuple[int, ...],
                call: Phrase | None, generator: Generator, no_early_before: int) -> list[GroovedNote] | None:
        """The piece's notes with the groove's velocities and offsets (None when not grooving)."""
        model = self.groove
        if model is None or not self._grooving(generator):
            return None
        return groove_piece(model, piece, known, call, known_steps=known_steps, first_step=first_step,
                            velocity=self.base_velocity(), humanize=self.humanize, qpm=self.scheduler.clock.bpm,
                            entropy=entropy, no_early_before=no_early_before)

    def _schedule(self, answer: Phrase, start: float, grooved: list[GroovedNote] | None, generator: Generator) -> None:
        if grooved is None:  # the plain grid at one velocity
            velocity = self.base_velocity()
            grooved = [GroovedNote(n, velocity, 0.0) for n in answer.notes]
        self.player.play(grooved, start, generator.drums)


def answer_entropy(seed: int, name: str, index: int) -> tuple[int, ...]:
    """The seed material of answer `index`: independent of wall-clock time, so replays match bit for bit."""
    return (seed, zlib.crc32(name.encode("utf-8")), index)
