"""Humanize a MIDI file: every channel-10 drum hit keeps its 16th, gets the groove's velocity and offset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from bridge.groove.grid import NUM_CLASSES, PITCH_CLASS, STEPS_PER_QUARTER
from bridge.groove.humanizer import Groove
from bridge.models.midifile import pretty_midi_tick_scales

DRUM_CHANNEL = 9


class GrooveFileError(ValueError):
    """A MIDI file that cannot be humanized (unreadable, or no drum hits)."""


@dataclass
class DrumFile:
    """A MIDI file, its tempo, and the 16th step / class of each drum note-on (by track and message index)."""

    midi: mido.MidiFile
    qpm: float
    hits: np.ndarray
    notes: list[tuple[int, int, int, int]]  # track, message index, step, class

    @property
    def ticks_per_step(self) -> float:
        """MIDI ticks in one 16th."""
        return self.midi.ticks_per_beat / STEPS_PER_QUARTER


def read_drum_file(path: str | Path) -> DrumFile:
    """The drum hits of a MIDI file on the nearest 16th (tick-based; step 0 is the file's first bar line)."""
    try:
        midi = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as error:
        raise GrooveFileError(f"{path}: not a readable MIDI file ({error})") from None
    if midi.type == 2:
        raise GrooveFileError(f"{path}: MIDI type 2 is not supported")
    qpm = 60.0 / (pretty_midi_tick_scales(midi)[0][1] * midi.ticks_per_beat)
    per_step = midi.ticks_per_beat / STEPS_PER_QUARTER
    notes = []
    for track_index, track in enumerate(midi.tracks):
        tick = 0
        for message_index, message in enumerate(track):
            tick += message.time
            if (message.type == "note_on" and message.velocity > 0 and message.channel == DRUM_CHANNEL
                    and message.note in PITCH_CLASS):
                notes.append((track_index, message_index, int(np.floor(tick / per_step + 0.5)),
                              PITCH_CLASS[message.note]))
    if not notes:
        raise GrooveFileError(f"{path}: no drum notes (channel 10, drum_kit pitches) to humanize")
    hits = np.zeros((max(n[2] for n in notes) + 1, NUM_CLASSES), bool)
    for _, _, step, cls in notes:
        hits[step, cls] = True
    return DrumFile(midi, qpm, hits, notes)


def apply_groove(drums: DrumFile, groove: Groove) -> mido.MidiFile:
    """A copy of the file with each drum note-on moved to step + offset and given its velocity.

    The note's note-off moves by the same amount (kept at least one tick after the note-on); every
    other message keeps its tick.
    """
    moved = {(t, i): (step, cls) for t, i, step, cls in drums.notes}
    out = mido.MidiFile(type=drums.midi.type, ticks_per_beat=drums.midi.ticks_per_beat)
    for track_index, track in enumerate(drums.midi.tracks):
        timed: list[tuple[int, int, mido.Message]] = []
        open_shift: dict[tuple[int, int], list[tuple[int, int]]] = {}
        tick = 0
        for message_index, message in enumerate(track):
            tick += message.time
            key = (track_index, message_index)
            if key in moved:
                step, cls = moved[key]
                new_tick = max(0, int(round((step + float(groove.offset[step, cls])) * drums.ticks_per_step)))
                velocity = int(groove.velocity[step, cls])
                open_shift.setdefault((message.channel, message.note), []).append((new_tick - tick, new_tick))
                timed.append((new_tick, message_index, message.copy(velocity=velocity, time=0)))
                continue
            if message.type in ("note_on", "note_off") and (message.channel, message.note) in open_shift:
                shift, on_tick = open_shift[(message.channel, message.note)].pop(0)
                if not open_shift[(message.channel, message.note)]:
                    del open_shift[(message.channel, message.note)]
                timed.append((max(tick + shift, on_tick + 1), message_index, message.copy(time=0)))
                continue
            timed.append((tick, message_index, message.copy(time=0)))
        ends = [entry for entry in timed if entry[2].type == "end_of_track"]
        body = sorted((entry for entry in timed if entry[2].type != "end_of_track"), key=lambda e: (e[0], e[1]))
        last = max((e[0] for e in body), default=0)
        body += [(max(last, e[0]), e[1], e[2]) for e in ends]
        new_track, previous = mido.MidiTrack(), 0
        for at, _, message in body:
            new_track.append(message.copy(time=at - previous))
            previous = at
        out.tracks.append(new_track)
    return out
