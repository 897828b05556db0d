"""A streaming session: feed events one step at a time, then sample the answer step by step.

Feeding runs the network at once, so after the call's last step the next-event distribution is
ready and the first answer step costs one softmax + one draw. A sampled event is fed back lazily:
the network step for it runs when the next step is asked for (or on `advance()`), so each answer
step is returned as soon as it is drawn and the following one can be computed ahead of need.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bridge.models.encodings import Event
from bridge.models.errors import ModelError, SequenceError
from bridge.models.lstm import Network, NetworkState
from bridge.models.melodies import fold_pitch


@dataclass
class Generation:
    """Result of a generation: the new events, whether all were made before the deadline, the time it
    took and the sampled class index of each step."""

    events: list[Event]
    complete: bool
    elapsed_s: float = 0.0
    step_classes: list[int] = field(default_factory=list)


def log_softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """log softmax(logits / temperature) in float64."""
    if not temperature > 0:
        raise ModelError(f"temperature must be > 0, got {temperature}")
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max()
    return scaled - np.log(np.exp(scaled).sum())


class Session:
    """One stream through a model: events fed so far, recurrent state, next-event logits."""

    def __init__(self, network: Network, encoder, melody_range: tuple[int, int] | None = None) -> None:
        self._network = network
        self._encoder = encoder
        self._melody_range = melody_range
        self.events: list[Event] = []
        self._encoder_state = encoder.new_state()
        self._state: NetworkState = network.zero_state()
        self._fresh_logits = True
        self._pending = False

    @property
    def position(self) -> int:
        """Number of events fed (or sampled) so far; the step counter inputs count from the first."""
        return len(self.events)

    def clone(self) -> Session:
        """An independent copy; branch several answers from one fed call."""
        other = Session.__new__(Session)
        other._network = self._network
        other._encoder = self._encoder
        other._melody_range = self._melody_range
        other.events = list(self.events)
        other._encoder_state = self._encoder.copy_state(self._encoder_state)
        other._state = self._state.copy()
        other._fresh_logits = self._fresh_logits
        other._pending = self._pending
        return other

    snapshot = clone

    def feed(self, event: Event) -> None:
        """Advance by one step with a known event (the call as it is played)."""
        self.advance()
        self._advance(self._normalise(event), logits=True)

    def feed_many(self, events: Iterable[Event]) -> None:
        """Feed several events (a primer) at once; equal to repeated `feed` up to float32 rounding."""
        self.advance()
        events = [self._normalise(e) for e in events]  # all checked before the state changes
        inputs = []
        for event in events:
            self.events.append(event)
            inputs.append(self._encoder.input(self.events, self._encoder_state))
        if inputs:
            self._network.feed_sequence(self._state, inputs, logits=True)
            self._fresh_logits = True

    def advance(self) -> None:
        """Run the network step for the last sampled event now (otherwise it runs when next needed)."""
        if self._pending:
            self._pending = False
            self._step(logits=True)

    def _normalise(self, event: Event) -> Event:
        """Drums: a frozenset of ints; melodies: an int folded into the model range."""
        try:
            if self._melody_range is not None:
                value = int(event)
                if not -2 <= value <= 127:
                    raise ValueError(value)
                return fold_pitch(value, *self._melody_range)
            pitches = frozenset(int(p) for p in event)
            if any(not 0 <= p <= 127 for p in pitches):
                raise ValueError(sorted(pitches))
            return pitches
        except (TypeError, ValueError) as error:
            kind = "melody event (-2, -1 or a pitch 0..127)" if self._melody_range else "set of drum pitches 0..127"
            raise SequenceError(f"bad event {event!r}: expected a {kind} ({error})") from None

    def _advance(self, event: Event, logits: bool) -> None:
        self.events.append(event)
        self._step(logits)

    def _step(self, logits: bool) -> None:
        idx, vals = self._encoder.input(self.events, self._encoder_state)
        self._network.step(self._state, idx, vals, logits=logits)
        self._fresh_logits = logits

    def logits(self) -> np.ndarray:
        """Next-event logits (a copy)."""
        self._require_fed()
        self.advance()
        if not self._fresh_logits:
            self._network.logits_of(self._state)
            self._fresh_logits = True
        return self._state.logits.copy()

    def log_probs(self, temperature: float = 1.0) -> np.ndarray:
        """Log-probabilities of each class for the next event."""
        return log_softmax(self.logits(), temperature)

    def _require_fed(self) -> None:
        if not self.events:
            raise ModelError("feed at least one event before asking for the next one (Magenta never "
                             "models the first event)")

    def sample(self, rng: np.random.Generator, temperature: float = 1.0) -> Event:
        """Draw the next event from softmax(logits / temperature) and return it (fed back lazily)."""
        event, _ = self._sample(rng, temperature)
        return event

    def _sample(self, rng: np.random.Generator, temperature: float) -> tuple[Event, int]:
        if not temperature > 0:
            raise ModelError(f"temperature must be > 0, got {temperature}")
        weights = self.logits()  # a fresh float32 copy: unnormalised softmax(logits / T) in place
        weights /= np.float32(temperature)
        weights -= weights.max()
        np.exp(weights, out=weights)
        cumulative = np.cumsum(weights, dtype=np.float64)
        class_index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        class_index = min(class_index, len(cumulative) - 1)
        event = self._encoder.decode(class_index, self.events)
        self.events.append(event)
        self._pending = True
        return event, class_index

    def sample_steps(self, steps: int, rng: np.random.Generator, temperature: float = 1.0,
                     deadline: float | None = None, clock: Callable[[], float] | None = None) -> Generation:
        """Sample `steps` events; with a deadline (seconds on `clock`) stop early and mark incomplete."""
        clock = clock or time.perf_counter
        started = clock()
        events: list[Event] = []
        classes: list[int] = []
        for _ in range(steps):
            if deadline is not None and clock() >= deadline:
                return Generation(events, False, elapsed_s=clock() - started, step_classes=classes)
            event, class_index = self._sample(rng, temperature)
            events.append(event)
            classes.append(class_index)
        return Generation(events, True, elapsed_s=clock() - started, step_classes=classes)
