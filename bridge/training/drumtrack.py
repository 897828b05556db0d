"""MIDI file -> drum_kit drum tracks (class index per 16th step), read the way Magenta 2.1.4 does, without TF.

Follows note_seq/Magenta: drum notes are channel-10 note-ons with velocity > 0; times are quantized to
the nearest 16th at the file's tempo (half a step rounds up); a track starts at the bar holding its first
note, ends one step after its last hit, and a gap of a bar or more starts a new track; tracks shorter
than `min_bars` are dropped. Only the first tempo / time signature section is read (Magenta splits the
file at changes; Groove MIDI files have one of each).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

STEPS_PER_QUARTER = 4
DRUM_CHANNEL = 9
# Magenta's DEFAULT_DRUM_TYPE_PITCHES: kick, snare, closed hat, open hat, low/mid/high tom, crash, ride.
DRUM_TYPE_PITCHES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)
PITCH_CLASS = {pitch: index for index, pitches in enumerate(DRUM_TYPE_PITCHES) for pitch in pitches}


class DrumTrackError(ValueError):
    """A MIDI file cannot be read as drums (unreadable, or a drum pitch outside the drum_kit map)."""


@dataclass(frozen=True)
class DrumHits:
    """Quantized drum hits of one file: (step, class bitmask) pairs and the bar length in steps."""

    steps: np.ndarray
    masks: np.ndarray
    steps_per_bar: int


def read_hits(path: str | Path) -> DrumHits:
    """Quantized drum hits of a MIDI file (first tempo and time-signature section only)."""
    try:
        midi = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as error:
        raise DrumTrackError(f"{path}: not a readable MIDI file ({error})") from None
    tempo, numerator, denominator = 500000, 4, 4
    seen_tempo = seen_signature = False
    end_of_section: float = float("inf")
    tick = 0
    hits: dict[int, int] = {}
    # Integer ticks, then seconds and steps with pretty_midi/note_seq's float formulas, so half-step
    # boundaries round the same way as in Magenta.
    for message in mido.merge_tracks(midi.tracks):
        tick += message.time
        if message.type == "set_tempo":
            if not seen_tempo and tick == 0:
                tempo, seen_tempo = message.tempo, True
            elif message.tempo != tempo:
                end_of_section = min(end_of_section, tick)
        elif message.type == "time_signature":
            if not seen_signature and tick == 0:
                numerator, denominator, seen_signature = message.numerator, message.denominator, True
            elif (message.numerator, message.denominator) != (numerator, denominator):
                end_of_section = min(end_of_section, tick)
        elif message.type == "note_on" and message.velocity > 0 and message.channel == DRUM_CHANNEL:
            if tick >= end_of_section:
                continue
            if message.note not in PITCH_CLASS:
                raise DrumTrackError(f"{path}: drum pitch {message.note} is not in the drum_kit map")
            tick_scale = 60.0 / ((6e7 / tempo) * midi.ticks_per_beat)  # pretty_midi's seconds per tick
            qpm = 60.0 / (tick_scale * midi.ticks_per_beat)  # note_seq's tempo, read back from pretty_midi
            step = int(tick_scale * tick * (STEPS_PER_QUARTER * qpm / 60.0) + 0.5)
            hits[step] = hits.get(step, 0) | (1 << PITCH_CLASS[message.note])
    steps_per_bar_float = STEPS_PER_QUARTER * 4 * numerator / denominator
    if steps_per_bar_float % 1:
        raise DrumTrackError(f"{path}: time signature {numerator}/{denominator} is not a whole number of 16ths")
    ordered = sorted(hits)
    return DrumHits(np.array(ordered, dtype=np.int64), np.array([hits[s] for s in ordered], dtype=np.int64),
                    int(steps_per_bar_float))


def split_tracks(hits: DrumHits, min_bars: int = 1, gap_bars: float = 1.0) -> list[np.ndarray]:
    """Cut hits into drum tracks as Magenta's extract_drum_tracks does; each is a class index per step."""
    bar = hits.steps_per_bar
    tracks: list[np.ndarray] = []
    search_start = 0
    index = 0
    while index < len(hits.steps):
        first = int(hits.steps[index])
        track_start = first - (first - search_start) % bar
        gap_start = 0
        events: dict[int, int] = {}
        while index < len(hits.steps):
            position = int(hits.steps[index]) - track_start
            if events and position - gap_start >= gap_bars * bar:
                break
            events[position] = int(hits.masks[index])
            gap_start = position + 1
            index += 1
        length = gap_start
        track = np.zeros(length, dtype=np.int16)
        for position, mask in events.items():
            track[position] = mask
        end_step = track_start + length
        search_start = end_step + (search_start - end_step) % bar
        while index < len(hits.steps) and hits.steps[index] < search_start:
            index += 1  # Magenta restarts its search on the next bar line
        if length >= bar * min_bars:
            tracks.append(track)
    return tracks


def read_tracks(path: str | Path, min_bars: int = 1) -> list[np.ndarray]:
    """Drum tracks of one MIDI file."""
    return split_tracks(read_hits(path), min_bars=min_bars)
