"""Melody event helpers matching note_seq's Melody: transpose into a range, key-aware squash, key estimate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bridge.models.encodings import KEY_MATRIX


def fold_pitch(pitch: int, min_note: int, max_note: int) -> int:
    """Move a pitch by octaves into [min_note, max_note) (Melody.transpose's wrap rule); specials unchanged."""
    if pitch < 0:
        return pitch
    if pitch < min_note:
        return min_note + (pitch - min_note) % 12
    if pitch >= max_note:
        return max_note - 12 + (pitch - max_note) % 12
    return pitch


def transpose(events: Sequence[int], amount: int, min_note: int = 0, max_note: int = 128) -> list[int]:
    """Transpose note-ons by `amount`, folding the results into [min_note, max_note)."""
    return [fold_pitch(e + amount, min_note, max_note) if e >= 0 else e for e in events]


def major_key(events: Sequence[int]) -> int:
    """Most likely major key (0 = C) from the pitch-class histogram; ties go to the lowest key."""
    counts = np.zeros(12)
    for event in events:
        if event >= 0:
            counts[event % 12] += 1
    return int((counts @ KEY_MATRIX).argmax())


def squash(events: Sequence[int], min_note: int, max_note: int, transpose_to_key: int | None) -> tuple[list[int], int]:
    """Melody.squash: shift to `transpose_to_key` and centre in the range, then fold; returns (events, amount)."""
    amount = 0
    notes = [e for e in events if 0 <= e <= 127]
    if transpose_to_key is not None:
        if not notes:
            return list(events), 0
        key_diff = transpose_to_key - major_key(events)
        centre = (min(notes) + max(notes)) / 2
        target = (min_note + max_note - 1) / 2
        centre_diff = target - (centre + key_diff)
        amount = key_diff + 12 * int(round(centre_diff / 12.0))
    return transpose(events, amount, min_note, max_note), amount
