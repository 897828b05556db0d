"""Phrases on the model's grid: notes at 16th-note steps with lengths in steps; quantizing a played call."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

STEPS_PER_BEAT = 4  # 16th notes: the grid of every Magenta drums/melody model


@dataclass(frozen=True, order=True)
class Note:
    """One note of a phrase: starts at `step` (16ths from the phrase start), lasts `length` steps."""

    step: int
    pitch: int
    velocity: int = 100
    length: int = 1


@dataclass(frozen=True)
class Phrase:
    """A call or an answer: `steps` grid steps long, notes sorted by step then pitch."""

    steps: int
    notes: tuple[Note, ...] = ()

    def __post_init__(self) -> None:
        if self.steps < 0:
            raise ValueError(f"a phrase cannot be {self.steps} steps long")
        object.__setattr__(self, "notes", tuple(sorted(n for n in self.notes if 0 <= n.step < self.steps)))

    @property
    def empty(self) -> bool:
        return not self.notes

    def fitted(self, steps: int) -> Phrase:
        """This phrase repeated or cut to `steps` steps (how a call stands in for a longer or shorter answer)."""
        if self.steps == 0 or steps <= 0:
            return Phrase(max(steps, 0))
        notes = [Note(n.step + k * self.steps, n.pitch, n.velocity, n.length)
                 for k in range(math.ceil(steps / self.steps)) for n in self.notes]
        return Phrase(steps, tuple(n for n in notes if n.step < steps))

    def median_velocity(self, default: int = 100) -> int:
        if not self.notes:
            return default
        ordered = sorted(n.velocity for n in self.notes)
        return ordered[len(ordered) // 2]

    def to_json(self) -> dict[str, object]:
        return {"steps": self.steps, "notes": [[n.step, n.pitch, n.velocity, n.length] for n in self.notes]}


class NoteLog:
    """Every note played into a responder, in beats; calls are cut from it as quantized windows.

    A note belongs to the step nearest its onset (so a hit a little before the bar line counts for
    the bar it anticipates); its length is rounded to whole steps, at least one. A note still held
    when a window closes lasts to the window's end. Old notes are dropped as the song moves on, a few
    per message (never a scan of the whole log, even behind a note that is never released), and the
    log never holds more than `max_spans` notes, so a flood of input costs bounded work per message.
    """

    PRUNE_PER_NOTE = 4  # old notes dropped per note-on at most: more than the one added, so the log drains

    def __init__(self, keep_beats: float = 256.0, max_spans: int = 4096) -> None:
        self.keep_beats = keep_beats
        self.max_spans = max_spans
        self._spans: deque[list[float]] = deque()  # [on_beat, off_beat or inf, pitch, velocity], arrival order
        self._open: dict[int, list[float]] = {}

    def note_on(self, pitch: int, velocity: int, beat: float) -> None:
        if pitch in self._open:
            self.note_off(pitch, beat)
        span = [beat, math.inf, float(pitch), float(velocity)]
        self._spans.append(span)
        self._open[pitch] = span
        cutoff = beat - self.keep_beats
        spans = self._spans
        for _ in range(self.PRUNE_PER_NOTE):
            if len(spans) <= self.max_spans and spans[0][0] >= cutoff:
                break
            spans.popleft()  # onset too old for any window (a note still held stays in _open for its note-off)

    def note_off(self, pitch: int, beat: float) -> None:
        span = self._open.pop(pitch, None)
        if span is not None:
            span[1] = max(beat, span[0])

    def clear(self) -> None:
        self._spans.clear()
        self._open.clear()

    def window(self, start_beat: float, steps: int) -> Phrase:
        """The notes whose onsets fall on steps 0..steps-1 counted from `start_beat`, as a phrase."""
        end = start_beat + steps / STEPS_PER_BEAT
        notes: dict[tuple[int, int], Note] = {}
        for on, off, pitch, velocity in self._spans:
            step = math.floor((on - start_beat) * STEPS_PER_BEAT + 0.5)
            if not 0 <= step < steps:
                continue
            length = max(1, round((min(off, end) - on) * STEPS_PER_BEAT))
            notes[(step, int(pitch))] = Note(step, int(pitch), int(velocity), min(length, steps - step))
        return Phrase(steps, tuple(notes.values()))
