"""A loaded Magenta model: sessions for streaming, scoring as Magenta does, one-shot generation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bridge.models.bundle import ModelInfo, load_network, read_bundle_file
from bridge.models.configs import GeneratorConfig
from bridge.models.encodings import Event
from bridge.models.errors import ModelError
from bridge.models.melodies import squash, transpose
from bridge.models.session import Generation, Session

_blas_limited = False


def limit_blas_threads() -> None:
    """Run BLAS on one thread: the model's small matrix-vector products get 3-8x slower with threads
    (measured on 2 cores: 27 us vs 76-240 us for 512x1024), and a show must not steal the clock's core."""
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional at run time; OPENBLAS_NUM_THREADS=1 does the same
        return
    threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class Score:
    """Log-likelihood of an event sequence: N events give N-1 terms log p(e[t+1] | e[0..t])."""

    log_likelihood: float
    step_log_probs: np.ndarray
    transpose: int = 0

    @property
    def steps(self) -> int:
        """Number of scored terms."""
        return int(self.step_log_probs.size)


class Model:
    """One bundle, loaded once; cheap to open many sessions on."""

    def __init__(self, network, config: GeneratorConfig, info: ModelInfo) -> None:
        self.network = network
        self.config = config
        self.info = info
        self.encoder = config.make_encoder()

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """Read a `.mag` bundle (no TensorFlow); raises BundleError/UnsupportedModelError with the reason.

        Also limits BLAS to one thread for the whole process (see `limit_blas_threads`).
        """
        network, config, info = load_network(read_bundle_file(path), str(path))
        limit_blas_threads()
        return cls(network, config, info)

    @property
    def is_drums(self) -> bool:
        """True for drums_rnn models (events are frozensets of pitches), False for melodies (ints)."""
        return self.config.is_drums

    def session(self) -> Session:
        """A fresh stream from the zero state (feed the call from a bar boundary: counters count steps)."""
        melody_range = None if self.is_drums else (self.config.min_note, self.config.max_note)
        return Session(self.network, self.encoder, melody_range)

    def squash(self, events: Sequence[Event]) -> tuple[list[Event], int]:
        """Melodies: Magenta's key-aware transposition into the model range; drums unchanged."""
        if self.is_drums:
            return [frozenset(e) for e in events], 0
        return squash(list(events), self.config.min_note, self.config.max_note, self.config.transpose_to_key)

    def score(self, events: Sequence[Event]) -> Score:
        """Log-likelihood as `EventSequenceRnnModel._evaluate_log_likelihood` (melodies squashed first).

        The total is accumulated in float32 like Magenta under numpy 2.
        """
        events, amount = self.squash(events)
        if len(events) < 2:
            return Score(0.0, np.zeros(0), amount)
        session = self.session()
        steps = np.empty(len(events) - 1)
        total = np.float32(0.0)
        for t in range(len(events) - 1):
            session.feed(events[t])
            steps[t] = session.log_probs()[self.encoder.label(events, t + 1)]
            total += np.float32(steps[t])
        return Score(float(total), steps, amount)

    def generate(self, primer: Sequence[Event], steps: int, temperature: float = 1.0,
                 seed: int | np.random.Generator = 0, deadline: float | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> Generation:
        """Continue `primer` by `steps` events (melodies squashed in and transposed back, as Magenta).

        With `deadline` (a time on `clock`), returns what was made by then with complete=False.
        """
        if not primer:
            raise ModelError("primer must hold at least one event")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        started = clock()
        events, amount = self.squash(primer)
        session = self.session()
        session.feed_many(events)
        if deadline is not None and clock() >= deadline:
            return Generation([], False, elapsed_s=clock() - started)
        result = session.sample_steps(steps, rng, temperature, deadline, clock)
        if amount:
            result.events = transpose(result.events, -amount)
        result.elapsed_s = clock() - started
        return result
