"""Read a drummer's MIDI performance (Groove MIDI style) into a GrooveGrid: nearest 16th, velocity, offset."""

from __future__ import annotations

from pathlib import Path

import mido

from bridge.groove.grid import NUM_CLASSES, PITCH_CLASS, STEPS_PER_QUARTER, GrooveGrid
from bridge.models.midifile import pretty_midi_tick_scales


class PerformanceError(ValueError):
    """A MIDI file cannot be read as a drum performance."""


def read_performance(path: str | Path, drums_only: bool = True) -> tuple[GrooveGrid, tuple[int, int]]:
    """The grid of one MIDI file (first tempo only) and its time signature.

    Each note goes to its nearest 16th at the file's first tempo; two notes of one class on one step
    keep the louder (its offset too); pitches outside the drum_kit map are ignored.
    """
    try:
        midi = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as error:
        raise PerformanceError(f"{path}: not a readable MIDI file ({error})") from None
    scales = pretty_midi_tick_scales(midi)
    scale = scales[0][1]
    qpm = 60.0 / (scale * midi.ticks_per_beat)
    signature = (4, 4)
    for message in midi.tracks[0] if midi.tracks else []:
        if message.type == "time_signature":
            signature = (message.numerator, message.denominator)
            break
    steps_per_tick = scale * STEPS_PER_QUARTER * qpm / 60.0
    notes: list[tuple[float, int, int]] = []
    end_tick = scales[1][0] if len(scales) > 1 else None
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type != "note_on" or message.velocity == 0:
                continue
            if drums_only and message.channel != 9:
                continue
            if end_tick is not None and tick >= end_tick:
                continue
            cls = PITCH_CLASS.get(message.note)
            if cls is not None:
                notes.append((tick * steps_per_tick, cls, message.velocity))
    steps = int(max((n[0] for n in notes), default=-1.0) + 0.5) + 1
    grid = GrooveGrid.empty(steps, qpm)
    for position, cls, velocity in notes:
        step = int(position + 0.5)
        if grid.hits[step, cls] and grid.velocity[step, cls] >= velocity:
            continue
        grid.hits[step, cls] = True
        grid.velocity[step, cls] = velocity
        grid.offset[step, cls] = position - step
    return grid, signature


def hit_count(grid: GrooveGrid) -> int:
    """Number of (step, class) hits."""
    return int(grid.hits.sum())


__all__ = ["PerformanceError", "read_performance", "hit_count", "NUM_CLASSES"]
