"""MIDI file -> drum_kit drum tracks (class index per 16th step), read the way Magenta 2.1.4 does, without TF.

Follows note_seq/Magenta: drum notes are the channel-10 notes of models/midifile.py (the reader primers
use too, pairing notes as pretty_midi does); tempo and time signatures come from track 0; times are quantized to
the nearest 16th at the file's tempo with pretty_midi/note_seq's float operations (so exact half steps
round the same way); a track starts at the bar holding its first note, ends one step after its last hit,
and a gap of a bar or more starts a new track; tracks shorter than `min_bars` are dropped. Only the first
tempo / time signature section is read (Magenta splits the file at changes; Groove MIDI files have one
of each).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge.models.encodings import DEFAULT_DRUM_TYPE_PITCHES
from bridge.models.midifile import MidiReadError, note_seq_qpm, read_midi_file

STEPS_PER_QUARTER = 4
DRUM_CHANNEL = 9
DRUM_TYPE_PITCHES = DEFAULT_DRUM_TYPE_PITCHES
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
        contents = read_midi_file(str(path))
    except MidiReadError as error:
        raise DrumTrackError(f"{path}: not a readable MIDI file ({error.reason})") from None
    # Tempo and time signatures as pretty_midi reads them (track 0 only); Magenta's TimeChangeSplitter
    # ends the first section at the first real change of either.
    tick_scales = contents.tick_scales
    numerator, denominator = 4, 4
    end_of_section: float = float("inf") if len(tick_scales) == 1 else tick_scales[1][0]
    for tick, signature_numerator, signature_denominator in contents.time_signatures:
        if tick == 0:
            numerator, denominator = signature_numerator, signature_denominator
        elif (signature_numerator, signature_denominator) != (numerator, denominator):
            end_of_section = min(end_of_section, tick)
            break
    tick_scale = tick_scales[0][1]
    steps_per_second = STEPS_PER_QUARTER * note_seq_qpm(tick_scale, contents.ticks_per_quarter) / 60.0
    hits: dict[int, int] = {}
    for note in contents.notes:
        if note.channel != DRUM_CHANNEL or note.start_tick >= end_of_section:
            continue
        if note.pitch not in PITCH_CLASS:
            raise DrumTrackError(f"{path}: drum pitch {note.pitch} is not in the drum_kit map")
        # pretty_midi's seconds (scale * tick in the first tempo segment), then note_seq's rounding.
        step = int(tick_scale * note.start_tick * steps_per_second + 0.5)
        hits[step] = hits.get(step, 0) | (1 << PITCH_CLASS[note.pitch])
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
