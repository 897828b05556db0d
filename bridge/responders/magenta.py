"""The numpy model engine (`bridge.models`) as a responder `Generator`: phrases in, phrases out.

Drums: each step is the set of pitches starting there; a decoded hit plays the first pitch of its
drum class. Melodies: one voice (the highest note at a step wins), -2 holds, -1 ends the note;
the model squashes the call into its range and transposes the answer back, as Magenta does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.models.encodings import NO_EVENT, NOTE_OFF
from bridge.models.errors import ModelError
from bridge.models.melodies import transpose
from bridge.models.model import Model
from bridge.responders.generator import GeneratorError
from bridge.responders.phrase import STEPS_PER_BEAT, Note, Phrase


def drum_events(call: Phrase) -> list[frozenset[int]]:
    """One event per step: the pitches hit on it."""
    steps: list[set[int]] = [set() for _ in range(call.steps)]
    for note in call.notes:
        steps[note.step].add(note.pitch)
    return [frozenset(s) for s in steps]


def drum_phrase(events: list[frozenset[int]], steps: int) -> Phrase:
    return Phrase(steps, tuple(Note(i, pitch, 100, 1) for i, event in enumerate(events[:steps])
                               for pitch in sorted(event)))


def melody_events(call: Phrase) -> list[int]:
    """One voice: a note-on where a note starts (highest wins), note-off where it ends, else hold."""
    events = [NO_EVENT] * call.steps
    ends: dict[int, int] = {}
    for note in call.notes:  # sorted by step then pitch: the highest pitch at a step comes last
        events[note.step] = note.pitch
        ends[note.step] = note.step + note.length
    sounding_until = 0
    for step in range(call.steps):
        if events[step] >= 0:
            sounding_until = ends[step]
        elif step == sounding_until and step > 0:
            events[step] = NOTE_OFF
    return events


def melody_phrase(events: list[int], steps: int) -> Phrase:
    """Notes from melody events: each note-on lasts until the next note-on or note-off."""
    notes: list[Note] = []
    current: tuple[int, int] | None = None  # (start step, pitch)
    for step, event in enumerate([*events[:steps], NOTE_OFF]):
        if event == NO_EVENT:
            continue
        if current is not None:
            notes.append(Note(current[0], current[1], 100, step - current[0]))
            current = None
        if event >= 0 and step < steps:
            current = (step, int(event))
    return Phrase(steps, tuple(notes))


class BundleGenerator:
    """A `.mag` bundle run by `bridge.models`, answering calls."""

    def __init__(self, model: Model, name: str) -> None:
        if model.config.steps_per_quarter != STEPS_PER_BEAT:
            raise GeneratorError(f"model {name!r} steps {model.config.steps_per_quarter} per quarter; "
                                 f"responders play on 16ths ({STEPS_PER_BEAT} per quarter)")
        self.model = model
        self.spec = name
        self.name = name if name.startswith("builtin:") else Path(name).stem  # short, for the dashboard
        self.drums = model.is_drums

    @classmethod
    def load(cls, path: Path, spec: str) -> BundleGenerator:
        """Read the bundle once, with the engine's own error message when it cannot be used."""
        try:
            model = Model.load(path)
        except (ModelError, OSError) as error:
            raise GeneratorError(f"model {spec!r} ({path}): {error}") from None
        return cls(model, spec)

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        primer = drum_events(call) if self.drums else melody_events(call)
        if not primer:
            primer = [frozenset()] if self.drums else [NO_EVENT]
        result = self.model.generate(primer, steps, temperature, rng)
        if self.drums:
            return drum_phrase(result.events, steps)
        return melody_phrase(result.events, steps)

    def stream(self) -> DrumStream | MelodyStream:
        """A session to feed the call into while it is played, so that the answer is ready in time."""
        return DrumStream(self.model) if self.drums else MelodyStream(self.model)

    def warm_up(self) -> None:
        """Run the network once so the first real answer does not pay numpy's first-call costs."""
        primer = [frozenset()] if self.drums else [NO_EVENT]
        self.model.generate(primer, 4, 1.0, np.random.default_rng(0))


class DrumStream:
    """A drum call fed into a session step by step; the answer equals `BundleGenerator.answer` bit for bit."""

    def __init__(self, model: Model) -> None:
        self.session = model.session()
        self.fed = 0

    def feed(self, call_so_far: Phrase, upto: int) -> None:
        events = drum_events(call_so_far)[self.fed:upto]
        if events:
            self.session.feed_many(events)
            self.fed += len(events)

    def finish(self, call: Phrase, answer_steps: int) -> None:
        self.feed(call, call.steps)
        if self.fed == 0:
            self.session.feed(frozenset())
            self.fed = 1

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        return drum_phrase(self.session.sample_steps(steps, rng, temperature).events, steps)

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        self.finish(call, steps)
        return self.sample(steps, temperature, rng)


class MelodyStream:
    """A melody call fed while it is played; the answer equals `BundleGenerator.answer` note for note.

    Magenta transposes the whole call into the model's range before encoding it. The stream feeds
    the call under the transposition the steps heard so far imply (it settles after the first few
    notes); when that changes, or a step already fed reads differently, it feeds again from the zero
    state. Answer pieces hold the notes that start in them with their whole length, so steps past a
    piece are sampled ahead (in the same order, from the same generator) until its last note ends.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.session = model.session()
        self.amount = 0
        self.fed: list[int] = []  # the call's events fed so far, before transposition
        self.refeeds = 0
        self._total = 0  # answer steps
        self._answer: list[int] = []  # answer events sampled so far, in the model's range
        self._handed = 0  # answer steps handed over

    def feed(self, call_so_far: Phrase, upto: int) -> None:
        self._feed(melody_events(call_so_far)[:upto])

    def _feed(self, events: list[int]) -> None:
        squashed, amount = self.model.squash(events)
        if amount != self.amount or events[:len(self.fed)] != self.fed:
            if self.fed:
                self.refeeds += 1
            self.session, self.amount, self.fed = self.model.session(), amount, []
        if len(events) > len(self.fed):
            self.session.feed_many(squashed[len(self.fed):])
            self.fed = events

    def finish(self, call: Phrase, answer_steps: int) -> None:
        self._feed(melody_events(call) or [NO_EVENT])
        self._total, self._answer, self._handed = answer_steps, [], 0

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        begin, end = self._handed, min(self._handed + steps, self._total)
        self._sample_to(end, temperature, rng)
        stop = end
        last = next((e for e in reversed(self._answer[begin:end]) if e != NO_EVENT), NO_EVENT)
        if last >= 0:  # the piece ends on a sounding note: it holds until the next event that is not a hold
            while stop < self._total:
                self._sample_to(stop + 1, temperature, rng)
                if self._answer[stop] != NO_EVENT:
                    break
                stop += 1
        self._handed = end
        played = melody_phrase(transpose(self._answer[begin:stop], -self.amount), stop - begin)
        return Phrase(steps, tuple(n for n in played.notes if n.step < end - begin))

    def _sample_to(self, steps: int, temperature: float, rng: np.random.Generator) -> None:
        while len(self._answer) < steps:
            self._answer.append(int(self.session.sample(rng, temperature)))

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        self.finish(call, steps)
        return self.sample(steps, temperature, rng)
