"""Where answers are generated: off the clock path, with the time each answer became ready.

`ThreadWorker` runs the model on its own thread (the live show). `VirtualWorker` runs it at once
but reports it ready at a modelled time, so replay in virtual time meets or misses deadlines the
same way every run. Both hand back `Outcome`s that the responder collects on the engine thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bridge.responders.generator import CallStream, Generator
from bridge.responders.phrase import Note, Phrase
from bridge.timebase import TimeSource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One answer to generate: everything the model needs, and when it is needed."""

    responder: str
    index: int  # answer number; part of the RNG seed
    call: Phrase
    steps: int
    temperature: float
    entropy: tuple[int, ...]  # seeds the answer's numpy Generator
    generator: Generator
    submitted: float
    deadline: float
    stream: CallStream | None = None  # the call already fed (partly) while it was played
    chunk_steps: int = 0  # with a stream: hand the answer over this many steps at a time (0: all at once)

    @property
    def piece_starts(self) -> list[int]:
        """First step of each handed-over piece: the first step alone (ready soonest), then the rest beat by beat.

        Chunks need a stream; one-shot models hand over the whole answer as one piece.
        """
        if self.stream is None or not 0 < self.chunk_steps < self.steps:
            return [0]
        return sorted({0, 1, *range(self.chunk_steps, self.steps, self.chunk_steps)})

    def piece_end(self, piece: int) -> int:
        starts = self.piece_starts
        return starts[piece + 1] if piece + 1 < len(starts) else self.steps


@dataclass(frozen=True)
class Feed:
    """Feed the steps of a call heard so far into its stream (on the worker, in order with the jobs)."""

    stream: CallStream
    call_so_far: Phrase
    upto: int


def run_feed(feed: Feed) -> None:
    try:
        feed.stream.feed(feed.call_so_far, feed.upto)
    except Exception:  # the answer job will report the model's error
        log.exception("feeding a call failed")


@dataclass(frozen=True)
class Outcome:
    """A finished piece of a job: its notes (answer steps, absolute), when it was ready, the model's time.

    One-shot models give one piece, the whole answer; streaming models give one piece per chunk, in
    order, so the first beat of the answer is ready long before the last one is needed.
    """

    job: Job
    answer: Phrase | None
    error: str | None
    finished: float
    gen_ms: float
    piece: int = 0
    last: bool = True


Piece = tuple[int, "Phrase | None", "str | None", bool]  # (index, notes, error, last)


def run_job(job: Job) -> Iterator[Piece]:
    """Run the model for `job`, piece by piece; a model error ends the job as an error piece, never raises.

    The pieces come from one random generator drawn in order, so chunked answers equal one-shot ones.
    """
    rng = np.random.default_rng(list(job.entropy))
    starts, piece = job.piece_starts, 0
    try:
        if len(starts) == 1:
            model = job.stream if job.stream is not None else job.generator
            answer = model.answer(job.call, job.steps, job.temperature, rng)
            if not isinstance(answer, Phrase):
                raise TypeError(f"model returned {type(answer).__name__}, not a Phrase")
            yield 0, Phrase(job.steps, answer.notes), None, True
            return
        assert job.stream is not None
        job.stream.finish(job.call, job.steps)
        for piece, begin in enumerate(starts):
            n = job.piece_end(piece) - begin
            part = job.stream.sample(n, job.temperature, rng)
            notes = tuple(Note(x.step + begin, x.pitch, x.velocity, x.length) for x in part.notes if 0 <= x.step < n)
            yield piece, Phrase(job.steps, notes), None, piece == len(starts) - 1
    except Exception as error:  # a broken model must not take the show down
        log.exception("model %s failed on answer %d of %s", job.generator.name, job.index, job.responder)
        yield piece, None, f"{type(error).__name__}: {error}", True


class Worker(Protocol):
    """Runs jobs and hands back their outcomes on the engine thread."""

    def submit(self, job: Job) -> None: ...
    def feed(self, feed: Feed) -> None: ...
    def warm(self, generators: list[Generator]) -> None: ...
    def collect(self, now: float) -> list[Outcome]: ...
    def next_ready(self, now: float) -> float: ...
    def close(self) -> None: ...


class ThreadWorker:
    """One background thread per responder; finished answers wake the engine through `wake`."""

    def __init__(self, name: str, time_source: TimeSource, wake: Callable[[], None] = lambda: None) -> None:
        self.name = name
        self.time = time_source
        self.wake = wake
        self._jobs: queue.Queue[Job | Feed | Generator | None] = queue.Queue()
        self._done: deque[Outcome] = deque()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None:  # started on first use, so building a show starts no threads
            self._thread = threading.Thread(target=self._loop, name=f"responder-{self.name}", daemon=True)
            self._thread.start()

    def submit(self, job: Job) -> None:
        self._ensure_thread()
        self._jobs.put(job)

    def feed(self, feed: Feed) -> None:
        self._ensure_thread()
        self._jobs.put(feed)

    def warm(self, generators: list[Generator]) -> None:
        """Run each model once on the worker thread before the first call needs it."""
        self._ensure_thread()
        for generator in generators:
            self._jobs.put(generator)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if isinstance(job, Feed):
                run_feed(job)
                continue
            if not isinstance(job, Job):
                warm_up = getattr(job, "warm_up", None)
                try:
                    if warm_up is not None:
                        warm_up()
                except Exception:
                    log.exception("warming up %s failed", getattr(job, "name", job))
                continue
            if self.time() > job.deadline:  # the answer is already too late: skip, the fallback played
                self._done.append(Outcome(job, None, "skipped: worker busy past the deadline", self.time(), 0.0))
                self.wake()
                continue
            started = time.perf_counter()
            for piece, answer, error, last in run_job(job):
                gen_ms = (time.perf_counter() - started) * 1000.0
                self._done.append(Outcome(job, answer, error, self.time(), gen_ms, piece, last))
                self.wake()
                started = time.perf_counter()

    def collect(self, now: float) -> list[Outcome]:
        out = []
        while self._done:
            out.append(self._done.popleft())
        return out

    def next_ready(self, now: float) -> float:
        return math.inf  # results wake the engine themselves

    def close(self) -> None:
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join(timeout=0.5)  # a stuck model must not hold up shutdown; the thread is a daemon


ModelledCost = Callable[[Job], float]


def fixed_cost(ms: float) -> ModelledCost:
    """A cost model: every answer takes `ms` milliseconds."""
    return lambda job: ms / 1000.0


class VirtualWorker:
    """Generates at once but says the answer is ready `cost(job)` seconds after submission (virtual time)."""

    def __init__(self, cost: ModelledCost | None = None) -> None:
        self.cost = cost or fixed_cost(5.0)
        self._pending: list[tuple[float, int, Outcome]] = []
        self._seq = itertools.count()

    def submit(self, job: Job) -> None:
        """Run now; a piece is ready when its share of `cost(job)` (by steps) has passed since submission."""
        seconds = self.cost(job)
        done = 0.0
        for piece, answer, error, last in run_job(job):
            share = (job.piece_end(piece) - job.piece_starts[piece]) / max(job.steps, 1)
            done += share
            outcome = Outcome(job, answer, error, job.submitted + seconds * done, seconds * share * 1000.0,
                              piece, last)
            heapq.heappush(self._pending, (outcome.finished, next(self._seq), outcome))

    def feed(self, feed: Feed) -> None:
        run_feed(feed)  # modelled as free: it happens while the call is played

    def warm(self, generators: list[Generator]) -> None:
        """Nothing to warm: modelled time does not depend on caches."""

    def collect(self, now: float) -> list[Outcome]:
        out = []
        while self._pending and self._pending[0][0] <= now:
            out.append(heapq.heappop(self._pending)[2])
        return out

    def next_ready(self, now: float) -> float:
        return self._pending[0][0] if self._pending else math.inf

    def close(self) -> None:
        self._pending.clear()
