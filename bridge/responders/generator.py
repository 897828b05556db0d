"""What a responder needs from a model (where models come from: `bridge.responders.loader`).

The responder only asks one thing: "answer this call with N steps at this temperature, drawing
every random choice from this generator". A model may also offer `stream()`: the call is then fed
step by step while it is played, and only the answer's sampling is left when the call ends.
The model engine (`bridge.models`) is adapted to that in
`bridge.responders.magenta`; tests plug in their own generators (for example deliberately slow ones).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from bridge.responders.phrase import Phrase


class GeneratorError(Exception):
    """A model that cannot be used (missing file, unknown builtin, unreadable bundle)."""


class Generator(Protocol):
    """A model that answers calls on the 16th-note grid."""

    name: str
    drums: bool  # drum answers are one-step hits; melodic answers carry note lengths

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """An answer `steps` long that continues `call`; every random choice comes from `rng`."""
        ...


class CallStream(Protocol):
    """A call fed into a model while it is being played, so only the answer is left at the deadline."""

    def feed(self, call_so_far: Phrase, upto: int) -> None:
        """Feed the call's steps up to (not including) `upto`; `call_so_far` holds every step heard so far."""
        ...

    def finish(self, call: Phrase, answer_steps: int) -> None:
        """Feed whatever of the complete `call` is not fed yet; an answer `answer_steps` long follows."""
        ...

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """The next `steps` of the answer (steps counted from 0), continuing from what was sampled before."""
        ...

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """finish(call) then sample(steps): the same answer `Generator.answer` gives."""
        ...


def open_stream(generator: Generator) -> CallStream | None:
    """A call stream when the model offers one (`stream()`), else None (the answer is made in one go)."""
    stream = getattr(generator, "stream", None)
    return stream() if callable(stream) else None
