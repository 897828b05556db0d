"""The call-and-response cycle of one responder, run on the engine thread in musical time.

idle → listening (recording the call) → generating → responding (from the next bar line) → listening.
Every transition is a scheduler event at a beat, so the cycle follows the clock's tempo and runs
the same in virtual time. The model runs on a worker, never on the clock path: a streaming model is
fed the call step by step while it is played, and hands the answer back piece by piece (the first
step alone, then a beat at a time), each piece due at its own first step. One-shot models hand over
the whole answer, due at its first step. What fills the answer slot (the pieces, the fallback, the
groove) is the `AnswerAssembler`'s job; the loop and continuous modes live here.
"""

from __future__ import annotations

import enum
import logging
import math
from collections.abc import Callable

from bridge.clock.ephemera import Transport
from bridge.clock.source import ClockSource
from bridge.responders.answer import DEADLINE_LEAD, AnswerAssembler, answer_entropy
from bridge.responders.config import ResponderConfig
from bridge.responders.generator import CallStream, open_stream
from bridge.responders.phrase import STEPS_PER_BEAT, NoteLog, Phrase
from bridge.responders.player import AnswerPlayer
from bridge.responders.settings import ResponderSettings
from bridge.responders.worker import Feed, Job, Worker
from bridge.scheduler import BeatScheduler, Moment
from bridge.services import StateListener
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

log = logging.getLogger(__name__)

HALF_STEP = 0.5 / STEPS_PER_BEAT  # beats: the call closes half a step before its end (the last step's rounding edge)
CHUNK_STEPS = STEPS_PER_BEAT  # streaming models hand over the first step, then a beat at a time, each due on time


class State(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    GENERATING = "generating"
    RESPONDING = "responding"


class CallCycle:
    """Hears the call, asks the worker at its end, starts the answer on the next bar line, and goes round."""

    def __init__(self, config: ResponderConfig, settings: ResponderSettings, scheduler: BeatScheduler,
                 worker: Worker, assembler: AnswerAssembler, player: AnswerPlayer, telemetry: Telemetry,
                 time_source: TimeSource, tag: str) -> None:
        self.config = config
        self.settings = settings
        self.scheduler = scheduler
        self.worker = worker
        self.assembler = assembler
        self.player = player
        self.telemetry = telemetry
        self.time = time_source
        self.tag = tag
        self.state = State.IDLE
        self.notes = NoteLog()
        self.state_listeners: list[StateListener] = []
        self.phase_end: float | None = None  # the beat where the current call or answer ends (for the dashboard)
        self._jobs = 0

    @property
    def clock(self) -> ClockSource:
        return self.scheduler.clock

    @property
    def bar_beats(self) -> int:
        return self.clock.beats_per_bar

    def _answer_steps(self) -> int:
        return self.settings.answer_bars * self.bar_beats * STEPS_PER_BEAT

    # -- the call ------------------------------------------------------------------------------
    def hear(self, pitch: int, velocity: int, t: float) -> None:
        """A note of the call (velocity 0: its end); the first one after idle starts the call."""
        if self.clock.transport is not Transport.RUNNING:
            return  # no musical time to place the note at
        beat = self.clock.beat_at(t)
        if velocity > 0:
            self.notes.note_on(pitch, velocity, beat)
            if self.state is State.IDLE and not (self.settings.looping and self.assembler.last_answer is not None):
                self._begin_call(beat)
        else:
            self.notes.note_off(pitch, beat)

    def _begin_call(self, beat: float) -> None:
        """The first note after idle: the call starts at the bar that holds it (after rounding to the grid)."""
        snapped = math.floor(beat * STEPS_PER_BEAT + 0.5) / STEPS_PER_BEAT
        start = math.floor(snapped / self.bar_beats) * self.bar_beats
        self._listen_from(start)

    def _listen_from(self, start: float) -> None:
        self._set_state(State.LISTENING)
        end = start + self.settings.call_bars * self.bar_beats
        self.phase_end = end
        stream = self._stream_call(start, end)
        self._at(end - HALF_STEP, lambda m: self._close_call(m, start, end, stream))

    def _stream_call(self, start: float, end: float) -> CallStream | None:
        """Feed the call window [start, end) to the model step by step, as soon as each step is final.

        A step is final half a step after it starts (later notes round to the next one), so when the
        call closes only its last step is left to feed.
        """
        stream = open_stream(self.settings.generator)
        if stream is None:
            return None
        steps = round((end - start) * STEPS_PER_BEAT)

        def feed(upto: int) -> Callable[[Moment], None]:
            return lambda m: self.worker.feed(Feed(stream, self.notes.window(start, steps), upto))
        for step in range(steps - 1):
            self._at(start + step / STEPS_PER_BEAT + HALF_STEP, feed(step + 1))
        return stream

    # -- the cycle (scheduler events) -------------------------------------------------------
    def _at(self, beat: float, action: Callable[[Moment], None], latency: float = 0.0) -> None:
        self.scheduler.schedule(beat, action, latency, self.tag)

    def _close_call(self, moment: Moment, start: float, answer_start: float, stream: CallStream | None = None) -> None:
        """The call is complete: quantize it and hand it to the worker; the deadline is the next bar line."""
        steps = round((answer_start - start) * STEPS_PER_BEAT)
        call = self.notes.window(start, steps)
        if call.empty and self.settings.base_mode == "call-response":
            self._set_state(State.IDLE)
            return
        self.assembler.last_call = call
        self.assembler.submit(self._job(call, moment.actual_time, self.clock.time_at(answer_start) - DEADLINE_LEAD,
                                        stream))
        self._set_state(State.GENERATING)
        self._at(answer_start, lambda m: self._deadline(m, answer_start), latency=DEADLINE_LEAD)

    def _job(self, call: Phrase, now: float, deadline: float, stream: CallStream | None = None) -> Job:
        """The next job for the worker: an answer to `call` with today's settings, seeded by its index."""
        index = self._jobs
        self._jobs += 1
        s = self.settings
        return Job(s.name, index, call, self._answer_steps(), s.temperature,
                   answer_entropy(self.config.seed, s.name, index), s.generator, now, deadline, stream, CHUNK_STEPS)

    def _deadline(self, moment: Moment, start: float) -> None:
        """The answer's first step has come: play what the model has ready, piece by piece, else the fallback."""
        self.assembler.collect(moment.actual_time)
        if not self.assembler.begin(start):
            return
        self._set_state(State.RESPONDING)
        self.phase_end = start + self.settings.answer_bars * self.bar_beats
        self._continue_after(self.phase_end)

    def _play_whole(self, answer: Phrase | None, start: float, source: str) -> None:
        """Play a phrase that is already known (a loop pass) from `start`, then carry on."""
        self._set_state(State.RESPONDING)
        self.assembler.play_known(answer, self._answer_steps(), start, source, self.settings.generator)
        self.phase_end = start + self.settings.answer_bars * self.bar_beats
        self._continue_after(self.phase_end)

    def _continue_after(self, end: float) -> None:
        """Decide, half a step before the answer ends, what comes next (streaming the next call if continuous)."""
        stream, call_bars = None, self.settings.call_bars
        if self.settings.base_mode == "continuous" and not self.settings.looping:
            stream = self._stream_call(end - call_bars * self.bar_beats, end)
        self._at(end - HALF_STEP,
                 lambda m: self._carry_on(m, end, stream if call_bars == self.settings.call_bars else None))

    def _carry_on(self, moment: Moment, end: float, stream: CallStream | None) -> None:
        """Half a step before an answer ends: loop it, answer again at once (continuous), or listen."""
        if self.settings.looping:
            self._at(end, lambda m: self._loop_boundary(m, end), latency=DEADLINE_LEAD)
        elif self.settings.base_mode == "continuous":
            self._close_call(moment, end - self.settings.call_bars * self.bar_beats, end, stream)
        else:
            self._at(end, lambda m: self._listen_from(end))

    def _loop_boundary(self, moment: Moment, start: float) -> None:
        """Loop mode: play the mutated answer if one is ready, else the last answer again."""
        self.assembler.collect(moment.actual_time)
        answer, source = self.assembler.last_answer, "loop"
        if (mutated := self.assembler.take_mutation()) is not None:
            answer, source = mutated, "loop:mutated"
        self._play_whole(answer.fitted(self._answer_steps()) if answer is not None else None, start, source)

    # -- the loop ------------------------------------------------------------------------------
    def set_loop(self, on: bool) -> None:
        """Loop the last answer from the next answer boundary on (off: back to the set mode)."""
        on = bool(on)
        if on == self.settings.looping:
            return
        self.settings.looping = on
        if on and self.state in (State.IDLE, State.LISTENING) and self.assembler.last_answer is not None:
            self.scheduler.cancel(self.tag)
            bar = math.floor(self.clock.beat_at(self.time()) / self.bar_beats) + 1
            start = bar * self.bar_beats
            self._at(start, lambda m: self._loop_boundary(m, start), latency=DEADLINE_LEAD)
            self._set_state(State.RESPONDING)

    def mutate(self) -> None:
        """Regenerate the looped answer from the last call; it takes over at the next loop boundary."""
        call = self.assembler.last_call
        if call is None:
            self.telemetry.event("info", self.tag, "mutate: no call heard yet")
            return
        self.assembler.submit_mutation(self._job(call, self.time(), math.inf))

    # -- stopping ------------------------------------------------------------------------------
    def reset(self) -> None:
        """All notes off now; forget the answer in flight and wait for the next call."""
        self.assembler.cut()  # an answer cut short is recorded with what was scheduled of it
        self.scheduler.cancel(self.tag)
        self.player.stop()
        self._set_state(State.IDLE)

    def _set_state(self, state: State) -> None:
        if state is self.state:
            return
        self.state = state
        if state is State.IDLE:
            self.phase_end = None
        for listener in self.state_listeners:
            try:
                listener(self.config.name, state.value)
            except Exception:
                log.exception("state listener failed")
