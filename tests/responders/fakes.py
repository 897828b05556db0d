"""Generators for tests: a seeded toy model, a deliberately slow one, a broken one (the Generator protocol)."""

from __future__ import annotations

import threading

import numpy as np

from bridge.responders.phrase import Note, Phrase

BUNDLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "models" / "data" / "bundles"
SMALL_DRUMS = BUNDLES / "drum_kit_small_first.mag"


class ToyDrums:
    """Answers with a hit on step 0 (so timing is checkable) plus seeded random hits; pitch from the call."""

    drums = True

    def __init__(self, name: str = "toy") -> None:
        self.name = name
        self.calls: list[Phrase] = []

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        self.calls.append(call)
        pitches = sorted({n.pitch for n in call.notes}) or [36]
        notes = [Note(0, pitches[0], 100, 1)]
        for step in range(1, steps):
            if rng.random() < 0.25 * temperature:
                notes.append(Note(step, int(rng.choice(pitches)), 100, 1))
        return Phrase(steps, tuple(notes))


class BlockingDrums(ToyDrums):
    """Waits until the test releases it: a model that is late by as much as the test wants."""

    def __init__(self) -> None:
        super().__init__("blocking")
        self.release = threading.Event()
        self.entered = threading.Event()

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        self.entered.set()
        self.release.wait(10)
        return super().answer(call, steps, temperature, rng)


class BrokenDrums(ToyDrums):
    """A model that crashes on every answer."""

    def __init__(self) -> None:
        super().__init__("broken")

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        raise RuntimeError("model exploded")


class ToyHeld(ToyDrums):
    """Like ToyDrums, but melodic: its first note is held for two beats (so a panic has something to cut)."""

    drums = False

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        answer = super().answer(call, steps, temperature, rng)
        first, *rest = answer.notes
        return Phrase(steps, (Note(0, first.pitch, 100, 8), *(n for n in rest if n.step >= 8)))


class StreamingToy(ToyDrums):
    """ToyDrums that also streams: records when each feed came and how far it reached."""

    def __init__(self, now: object = None) -> None:
        super().__init__("streaming")
        self.now = now
        self.feeds: list[tuple[float, int, int]] = []  # (time, upto, notes heard so far)
        self._pitches = [36]
        self._sampled = 0

    def stream(self) -> StreamingToy:
        self._sampled = 0
        return self

    def feed(self, call_so_far: Phrase, upto: int) -> None:
        self.feeds.append((self.now() if callable(self.now) else 0.0, upto, len(call_so_far.notes)))

    def finish(self, call: Phrase, answer_steps: int) -> None:
        self.calls.append(call)
        self._pitches = sorted({n.pitch for n in call.notes}) or [36]

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        notes = []
        for step in range(steps):
            if self._sampled + step == 0 or rng.random() < 0.25 * temperature:
                first = self._sampled + step == 0
                notes.append(Note(step, int(self._pitches[0] if first else rng.choice(self._pitches))))
        self._sampled += steps
        return Phrase(steps, tuple(notes))


class GatedStreamingToy(StreamingToy):
    """A streaming toy that hangs before piece `gate_piece` until released (a model stalling mid-answer)."""

    def __init__(self, gate_piece: int) -> None:
        super().__init__()
        self.gate_piece = gate_piece
        self.pieces = 0
        self.waiting = threading.Event()
        self.release = threading.Event()

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        if self.pieces == self.gate_piece:
            self.waiting.set()
            self.release.wait(10)
        self.pieces += 1
        return super().sample(steps, temperature, rng)
