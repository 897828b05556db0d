"""The one MIDI file reader under primer reading (models/sequences.py) and training (training/drumtrack.py).

It reads notes, tempo and time signatures as pretty_midi 0.2.11 (under note_seq 0.0.5) does, in ticks:
- a note exists only once a later note-off (or velocity-0 note-on) of its (track, channel, pitch)
  closes it; one note-off closes every earlier open note of that pitch, and one on the same tick as
  a note-on closes nothing (that note stays open);
- tempo segments and time signatures come from track 0 only;
- a program's first program change on a (track, channel) names its instrument.
Turning ticks into seconds and steps is the caller's (see `tick_to_seconds`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import mido

from bridge.models.errors import SequenceError


class MidiReadError(SequenceError):
    """A file mido cannot parse as MIDI; `reason` is mido's complaint."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        super().__init__(f"cannot read MIDI file {path}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class MidiNote:
    """One paired note, in ticks."""

    start_tick: int
    end_tick: int
    pitch: int
    velocity: int
    track: int
    channel: int


@dataclass(frozen=True)
class MidiContents:
    """What the readers need from a MIDI file: paired notes, tempo segments, track-0 time signatures."""

    midi_type: int
    ticks_per_quarter: int
    notes: list[MidiNote]  # in the order their note-offs come, track by track
    programs: dict[tuple[int, int], int]  # (track, channel) -> first program
    time_signatures: list[tuple[int, int, int]]  # (tick, numerator, denominator), track 0, file order
    tick_scales: list[tuple[int, float]]  # (tick, seconds per tick) tempo segments, see pretty_midi_tick_scales


def read_midi_file(path: str | os.PathLike) -> MidiContents:
    """Paired notes, tempo segments and time signatures of a MIDI file (MidiReadError if unreadable)."""
    try:
        midi = mido.MidiFile(path)
    except (OSError, EOFError, ValueError, KeyError, IndexError) as error:
        raise MidiReadError(path, str(error)) from None
    signatures: list[tuple[int, int, int]] = []
    notes: list[MidiNote] = []
    programs: dict[tuple[int, int], int] = {}
    for track_index, track in enumerate(midi.tracks):
        tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for message in track:
            tick += message.time
            if message.type == "time_signature" and track_index == 0:  # pretty_midi reads track 0 only
                signatures.append((tick, message.numerator, message.denominator))
            elif message.type == "program_change":
                programs.setdefault((track_index, message.channel), message.program)
            elif message.type == "note_on" and message.velocity > 0:
                open_notes[(message.channel, message.note)].append((tick, message.velocity))
            elif message.type in ("note_on", "note_off"):
                key = (message.channel, message.note)
                started = open_notes.get(key)
                if not started:
                    continue
                closing = [n for n in started if n[0] != tick]
                keeping = [n for n in started if n[0] == tick]
                for start_tick, velocity in closing:
                    notes.append(MidiNote(start_tick, tick, message.note, velocity, track_index, message.channel))
                if closing and keeping:
                    open_notes[key] = keeping
                else:
                    del open_notes[key]
    return MidiContents(midi.type, midi.ticks_per_beat, notes, programs, signatures, pretty_midi_tick_scales(midi))


def pretty_midi_tick_scales(midi: mido.MidiFile) -> list[tuple[int, float]]:
    """(tick, seconds per tick) tempo segments exactly as pretty_midi 0.2.11 builds them.

    Only track 0 counts; the scale is 60 / ((6e7 / tempo) * resolution) (bpm first, not tempo / 1e6 / tpq,
    which rounds differently); a tempo at tick 0 replaces the 120 qpm default, later ones are kept only
    when their scale differs from the previous one.
    """
    tpq = midi.ticks_per_beat
    scales = [(0, 60.0 / (120.0 * tpq))]
    tick = 0
    for message in midi.tracks[0] if midi.tracks else []:
        tick += message.time
        if message.type != "set_tempo":
            continue
        scale = 60.0 / ((6e7 / message.tempo) * tpq)
        if tick == 0:
            scales = [(0, scale)]
        elif scale != scales[-1][1]:
            scales.append((tick, scale))
    return scales


def tick_to_seconds(tick_scales: list[tuple[int, float]]) -> Callable[[int], float]:
    """Tick -> seconds with pretty_midi's float operations, so half-step boundaries round as in Magenta.

    pretty_midi fills an array segment by segment: time = segment start time + scale * (tick - segment
    start tick), each segment starting at the previous segment's time of its own end tick.
    """
    starts: list[tuple[int, float, float]] = []  # segment start tick, start time, seconds per tick
    start_time = 0.0
    for index, (tick, scale) in enumerate(tick_scales):
        if index:
            previous_tick, _, previous_scale = starts[-1]
            start_time = start_time + previous_scale * (tick - previous_tick)
        starts.append((tick, start_time, scale))

    def convert(tick: int) -> float:
        segment = starts[0]
        for candidate in starts:
            if candidate[0] <= tick:
                segment = candidate
            else:
                break
        return segment[1] + segment[2] * (tick - segment[0])

    return convert


def note_seq_qpm(tick_scale: float, ticks_per_quarter: int) -> float:
    """The tempo note_seq reads back from a pretty_midi tick scale (Magenta compares these exactly)."""
    return 60.0 / (tick_scale * ticks_per_quarter)
