"""Velocity and microtiming for a drum responder's answer notes, from a groove model (`groove`, `humanize`).

The answer arrives piece by piece; each piece is grooved when it is scheduled, from what is known then:
the call before it (context), the answer so far, the rest of the answer unknown. Sampling draws from a
numpy Generator seeded by the answer's entropy and the piece's first step, so a replay plays the same
velocities and offsets bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.groove.grid import MAX_OFFSET, NUM_CLASSES, PITCH_CLASS, STEPS_PER_BAR
from bridge.groove.humanizer import realise
from bridge.groove.model import GrooveModel
from bridge.responders.phrase import Note, Phrase

GROOVE_STREAM = 0x67726F6F  # "groo": keeps the groove's random numbers apart from the answer's
EARLY_STEPS = MAX_OFFSET  # a grooved piece is played this many 16ths before its first step, so early hits go early


@dataclass(frozen=True)
class GroovedNote:
    """An answer note with the velocity to play and its offset from the grid in 16ths."""

    note: Note
    velocity: int
    offset: float


def _grid(phrase: Phrase | None, steps: int, upto: int | None = None) -> np.ndarray:
    """(steps, 9) drum_kit hits of a phrase's notes (those before step `upto` when given)."""
    hits = np.zeros((steps, NUM_CLASSES), bool)
    for note in phrase.notes if phrase is not None else ():
        cls = PITCH_CLASS.get(note.pitch)
        if cls is not None and 0 <= note.step < steps and (upto is None or note.step < upto):
            hits[note.step, cls] = True
    return hits


def groove_piece(model: GrooveModel, piece: Phrase, known: Phrase, call: Phrase | None, *, known_steps: int,
                 first_step: int, velocity: int, humanize: float, qpm: float, entropy: tuple[int, ...],
                 no_early_before: int = 0) -> list[GroovedNote]:
    """The notes of `piece` (answer steps) with velocity and offset.

    `known` holds every answer note known so far (steps below `known_steps`); the call is the context
    before step 0. Notes on steps below `no_early_before` are never moved early (they are due now).
    """
    steps = piece.steps
    hits = _grid(known, steps, known_steps)
    context = _grid(call, call.steps) if call is not None and call.steps else None
    wanted = np.array(sorted({n.step for n in piece.notes if 0 <= n.step < steps}), np.int64)
    prediction = model.predict(hits, qpm=qpm, start_position=0, known=known_steps, context=context, steps=wanted)
    rng = np.random.default_rng([*entropy, GROOVE_STREAM, first_step])
    groove = realise(prediction, np.ones_like(hits), rng, humanize, float(velocity))
    out = []
    for note in piece.notes:
        cls = PITCH_CLASS.get(note.pitch)
        if cls is None or not 0 <= note.step < steps:
            out.append(GroovedNote(note, velocity, 0.0))
            continue
        offset = float(groove.offset[note.step, cls])
        if note.step < no_early_before:
            offset = max(offset, 0.0)
        out.append(GroovedNote(note, int(groove.velocity[note.step, cls]), offset))
    return out


def warm(model: GrooveModel) -> None:
    """Groove a made-up answer once, so the first real one does not pay numpy's first-call costs (lazy imports)."""
    answer = Phrase(32, tuple(Note(step, 36 if step % 8 == 0 else 42) for step in range(0, 32, 2)))
    groove_piece(model, answer, answer, answer, known_steps=32, first_step=0, velocity=100, humanize=1.0,
                 qpm=120.0, entropy=(0,), no_early_before=1)


def steps_per_bar_ok(bar_beats: int) -> bool:
    """The groove model knows 4/4 bars (16 steps); other bar lengths still work, positions wrap every 16."""
    return bar_beats * 4 == STEPS_PER_BAR
