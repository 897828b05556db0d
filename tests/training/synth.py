"""Tiny synthetic drum MIDI files for the training tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import mido

PPQ = 480


def write_drums(path: Path, hits: Iterable[tuple[float, int]], bpm: float = 120.0,
                time_signature: tuple[int, int] = (4, 4)) -> Path:
    """A one-track MIDI file with drum notes (channel 10) at the given 16th-step positions (floats allowed)."""
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=time_signature[0],
                                  denominator=time_signature[1], time=0))
    events = []
    for step, pitch in hits:
        tick = int(round(step * PPQ / 4))
        events.append((tick, 1, pitch))
        events.append((tick + PPQ // 8, 0, pitch))
    now = 0
    for tick, on, pitch in sorted(events, key=lambda e: (e[0], e[1])):
        kind = "note_on" if on else "note_off"
        track.append(mido.Message(kind, note=pitch, velocity=100 if on else 0, channel=9, time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=PPQ)
    midi.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))
    return path


def rock_bar(offset: int = 0) -> list[tuple[float, int]]:
    """One bar of a plain rock beat: kick 1 and 3, snare 2 and 4, closed hat on eighths."""
    hits = [(offset + s, 42) for s in range(0, 16, 2)]
    hits += [(offset + 0, 36), (offset + 8, 36), (offset + 4, 38), (offset + 12, 38)]
    return hits
