"""MIDI <-> model events, following what Magenta 2.1.4's generators extract from a primer.

Reading (note_seq midi_io via pretty_midi, then quantize_note_sequence and the extractors the
drums_rnn / melody_rnn generators call):
- notes, tempo and time signatures as models/midifile.py pairs and reads them (pretty_midi's rules);
  times in seconds with pretty_midi's exact float operations (seconds per tick
  60 / ((6e7 / tempo) * resolution), times scale * tick per tempo segment) and qpm read back from
  that scale as note_seq does, so notes exactly on a half step round as in Magenta;
- quantize at the generator's steps per quarter: step = int(seconds * steps_per_second + 0.5)
  (nearest 16th for 4 steps per quarter); a note whose end rounds onto its start lasts one step;
  one tempo and one time signature only (Magenta refuses changes);
- drums (extract_drum_tracks, ignore_is_drum): every sounding note counts; the track starts at the
  bar that holds the first note and ends one step after its last hit; notes starting on the same
  step form one event (a frozenset of pitches);
- melodies (extract_melodies per instrument, drums filtered out, polyphony ignored): notes in
  (start, -pitch) order, a note starting on the same step as the previous note-on is dropped, a
  later note cuts the previous one; the melody ends at its last note-off, which is dropped.
Writing mirrors DrumTrack/Melody.to_sequence: drum hits one step long on channel 10, melody notes
held until the next note-on or note-off.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

import mido

from bridge.models.encodings import NO_EVENT, NOTE_OFF, Event
from bridge.models.errors import SequenceError
from bridge.models.midifile import note_seq_qpm, read_midi_file, tick_to_seconds

DEFAULT_QPM = 120.0


@dataclass(frozen=True)
class Note:
    """One note in seconds, as note_seq's NoteSequence holds it."""

    pitch: int
    velocity: int
    start: float
    end: float
    instrument: int
    is_drum: bool


@dataclass
class NoteSequence:
    """Notes of a MIDI file plus the single tempo and time signature Magenta quantizes with."""

    notes: list[Note]
    qpm: float = DEFAULT_QPM
    time_signature: tuple[int, int] = (4, 4)

    @property
    def total_time(self) -> float:
        """End of the last note, in seconds."""
        return max((n.end for n in self.notes), default=0.0)


@dataclass
class Track:
    """Extracted events: `start_step` is where event 0 sits in the quantized file."""

    events: list[Event]
    start_step: int
    steps_per_bar: int
    steps_per_quarter: int
    qpm: float = DEFAULT_QPM
    extras: dict = field(default_factory=dict)


def read_midi(path: str | os.PathLike) -> NoteSequence:
    """Notes, tempo and time signature of a MIDI file (raises SequenceError on unreadable files)."""
    contents = read_midi_file(path)
    if contents.midi_type == 2:
        raise SequenceError(f"{path}: MIDI type 2 (asynchronous tracks) is not supported")
    tick_scales = contents.tick_scales
    seconds = tick_to_seconds(tick_scales)
    # note_seq reads each tempo back from pretty_midi's tick scale; Magenta compares them exactly.
    qpms = [note_seq_qpm(scale, contents.ticks_per_quarter) for _, scale in tick_scales]
    qpm = qpms[0]
    if any(q != qpm for q in qpms[1:]):
        raise SequenceError(f"{path}: tempo changes from {qpm:.2f} to "
                            f"{next(q for q in qpms[1:] if q != qpm):.2f} qpm inside the file; "
                            "Magenta models need one tempo")
    signature = (4, 4)
    if contents.time_signatures:
        signatures = sorted(contents.time_signatures)
        signature = signatures[0][1:]
        if signatures[0][0] != 0 and signature != (4, 4):
            raise SequenceError(f"{path}: time signature changes from 4/4 to {signature[0]}/{signature[1]}")
        if any(s[1:] != signature for s in signatures[1:]):
            raise SequenceError(f"{path}: time signature changes inside the file")
    instruments: dict[tuple[int, int, int], int] = {}
    notes = []
    for raw in sorted(contents.notes, key=lambda n: (n.track, n.start_tick)):
        program = contents.programs.get((raw.track, raw.channel), 0)
        instrument = instruments.setdefault((raw.track, raw.channel, program), len(instruments))
        notes.append(Note(raw.pitch, raw.velocity, seconds(raw.start_tick), seconds(raw.end_tick), instrument,
                          raw.channel == 9))
    return NoteSequence(notes, qpm, signature)


def steps_per_bar(sequence: NoteSequence, steps_per_quarter: int) -> int:
    """Steps in one bar of the file's time signature (an error if not a whole number)."""
    numerator, denominator = sequence.time_signature
    if denominator <= 0 or denominator & (denominator - 1) or numerator <= 0:
        raise SequenceError(f"bad time signature {numerator}/{denominator}")
    value = steps_per_quarter * 4.0 / denominator * numerator
    if value % 1:
        raise SequenceError(f"{numerator}/{denominator} has {value} steps per bar, not a whole number")
    return int(value)


def quantize(sequence: NoteSequence, steps_per_quarter: int) -> list[tuple[int, int, Note]]:
    """(start step, end step, note) for every note, rounded to the nearest step as Magenta does."""
    steps_per_second = steps_per_quarter * sequence.qpm / 60.0
    out = []
    for note in sequence.notes:
        start = int(note.start * steps_per_second + 0.5)
        end = int(note.end * steps_per_second + 0.5)
        if end == start:
            end += 1
        out.append((start, end, note))
    return out


def extract_drums(sequence: NoteSequence, steps_per_quarter: int = 4) -> Track | None:
    """The drum track Magenta's drums_rnn generator reads from a primer (None if there are no notes)."""
    bar = steps_per_bar(sequence, steps_per_quarter)
    groups: dict[int, set[int]] = defaultdict(set)
    for start, _, note in quantize(sequence, steps_per_quarter):
        if note.velocity:
            groups[start].add(note.pitch)
    if not groups:
        return None
    first = min(groups)
    track_start = first - first % bar
    length = max(groups) - track_start + 1
    events: list[Event] = [frozenset()] * length
    for start, pitches in groups.items():
        events[start - track_start] = frozenset(pitches)
    return Track(events, track_start, bar, steps_per_quarter, sequence.qpm)


def _melody_for(notes: list[tuple[int, int, Note]], bar: int) -> tuple[list[int], int] | None:
    notes = sorted(notes, key=lambda n: (n[0], -n[2].pitch))
    if not notes:
        return None
    start_step = notes[0][0] - notes[0][0] % bar
    events: list[int] = []

    def set_length(length: int) -> None:
        if length > len(events):
            events.extend([NO_EVENT] * (length - len(events)))
        else:
            del events[length:]

    for start, end, note in notes:
        if note.is_drum or not note.velocity:
            continue
        s, e = start - start_step, end - start_step
        if events:
            last_on = next((i for i in range(len(events) - 1, -1, -1) if events[i] >= 0), None)
            if last_on is None:
                raise SequenceError("melody lost its notes")
            if s == last_on:
                continue  # polyphony: Magenta keeps the first (highest) note
            if s < last_on:
                return None  # Magenta's PolyphonicMelodyError: this instrument gives no melody
        set_length(e + 1)
        events[s] = note.pitch
        events[e] = NOTE_OFF
        for i in range(s + 1, e):
            events[i] = NO_EVENT
    if not events:
        return None
    if events[-1] == NOTE_OFF:
        del events[-1]
    return events, start_step


def extract_melody(sequence: NoteSequence, steps_per_quarter: int = 4) -> Track | None:
    """The melody Magenta's melody_rnn generator reads from a primer: the first instrument that has one.

    (Magenta's generator refuses files with melodies on several instruments; drumbridge takes the first.)
    """
    bar = steps_per_bar(sequence, steps_per_quarter)
    by_instrument: dict[int, list] = defaultdict(list)
    for item in quantize(sequence, steps_per_quarter):
        by_instrument[item[2].instrument].append(item)
    for instrument in sorted(by_instrument):
        found = _melody_for(by_instrument[instrument], bar)
        if found and any(e >= 0 for e in found[0]):
            events, start_step = found
            return Track(list(events), start_step, bar, steps_per_quarter, sequence.qpm)
    return None


def extract(sequence: NoteSequence, drums: bool, steps_per_quarter: int) -> Track | None:
    """Drum track or melody, as the matching generator extracts it."""
    return extract_drums(sequence, steps_per_quarter) if drums else extract_melody(sequence, steps_per_quarter)


def set_length(track: Track, length: int, drums: bool) -> None:
    """DrumTrack/Melody.set_length: pad or cut; a melody extended after a sounding note gets a note-off."""
    old = len(track.events)
    if length <= old:
        del track.events[length:]
        return
    pad: Event = frozenset() if drums else NO_EVENT
    track.events.extend([pad] * (length - old))
    if not drums:
        for i in range(old - 1, -1, -1):
            if track.events[i] == NOTE_OFF:
                break
            if track.events[i] != NO_EVENT:
                track.events[old] = NOTE_OFF
                break


@dataclass(frozen=True)
class GenerationPlan:
    """Primer and total length Magenta's generator uses for a generate section."""

    primer: Track
    total_steps: int  # primer + generated, counted from primer.start_step

    @property
    def new_steps(self) -> int:
        """Steps to generate after the primer."""
        return self.total_steps - len(self.primer.events)


def plan_generation(sequence: NoteSequence, drums: bool, steps_per_quarter: int,
                    start_time: float, end_time: float) -> GenerationPlan:
    """What Magenta's generator does with a primer and a generate section [start_time, end_time) in seconds:
    the start step rounds up (int(x + 1)), the end step rounds down, the primer is cut or padded to
    the start step, and an empty primer starts one step before it."""
    if sequence.total_time > start_time:
        raise SequenceError(f"generate section starts at {start_time:.3f} s, before the primer ends "
                            f"({sequence.total_time:.3f} s)")
    steps_per_second = steps_per_quarter * sequence.qpm / 60.0
    start_step = int(start_time * steps_per_second + 1.0)
    end_step = int(end_time * steps_per_second)
    track = extract(sequence, drums, steps_per_quarter)
    if track is None:
        track = Track([], max(0, start_step - 1), steps_per_bar(sequence, steps_per_quarter),
                      steps_per_quarter, sequence.qpm)
    set_length(track, start_step - track.start_step, drums)
    total = end_step - track.start_step
    if total <= len(track.events):
        raise SequenceError(f"generate section [{start_time:.3f}, {end_time:.3f}) s holds no step after the primer")
    return GenerationPlan(track, total)


def events_to_midi(events: list[Event], drums: bool, steps_per_quarter: int, qpm: float = DEFAULT_QPM,
                   start_step: int = 0, velocity: int = 100, ticks_per_quarter: int = 220) -> mido.MidiFile:
    """A one-track MIDI file of events (drums on channel 10, one step per hit; melodies on channel 1)."""
    ticks_per_step = ticks_per_quarter // steps_per_quarter
    timed: list[tuple[int, int, mido.Message]] = []
    channel = 9 if drums else 0

    def add(step_on: int, step_off: int, pitch: int) -> None:
        on = (start_step + step_on) * ticks_per_step
        off = (start_step + step_off) * ticks_per_step
        timed.append((on, 1, mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)))
        timed.append((off, 0, mido.Message("note_off", note=pitch, velocity=0, channel=channel)))

    if drums:
        for step, event in enumerate(events):
            for pitch in sorted(event):
                add(step, step + 1, pitch)
    else:
        for start, end, pitch in melody_events_to_notes(events):
            add(start, end, pitch)
    timed.sort(key=lambda item: (item[0], item[1]))
    midi = mido.MidiFile(ticks_per_beat=ticks_per_quarter)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm), time=0))
    now = 0
    for tick, _, message in timed:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return midi


def read_track(path: str | os.PathLike, drums: bool, steps_per_quarter: int) -> Track:
    """Events a generator would extract from a MIDI file; SequenceError if it holds none."""
    track = extract(read_midi(path), drums, steps_per_quarter)
    if track is None or not track.events:
        kind = "drum notes" if drums else "melody notes (non-drum channel)"
        raise SequenceError(f"{path}: no {kind} found")
    return track


def drum_event_from_pitches(pitches, canonical: bool = False) -> Event:
    """A drum event from the MIDI pitches struck on one step; `canonical` maps each to its class's
    first pitch (what the model plays back), dropping pitches outside DEFAULT_DRUM_TYPE_PITCHES."""
    from bridge.models.encodings import DEFAULT_DRUM_TYPE_PITCHES, DrumOneHot

    if not canonical:
        return frozenset(int(p) for p in pitches)
    one_hot = DrumOneHot(DEFAULT_DRUM_TYPE_PITCHES)
    return one_hot.decode(one_hot.encode(pitches))


def drum_events_to_notes(events: list[Event]) -> list[tuple[int, int]]:
    """(step, pitch) for every hit, in step order."""
    return [(step, pitch) for step, event in enumerate(events) for pitch in sorted(event)]


def melody_events_from_notes(notes: list[tuple[int, int, int]], length: int | None = None) -> list[int]:
    """Melody events from (start step, end step, pitch) notes counted from step 0, by Magenta's rules
    (highest of simultaneous notes kept, a later note cuts an earlier one, trailing note-off dropped);
    padded or cut to `length` when given."""
    fake = [(start, max(end, start + 1), Note(pitch, 100, 0.0, 0.0, 0, False)) for start, end, pitch in notes]
    found = _melody_for(fake, 1) if fake else None
    events = [] if found is None else [NO_EVENT] * found[1] + found[0]
    if length is not None:
        track = Track(events, 0, 16, 4)
        set_length(track, length, drums=False)
        events = track.events
    return events


def melody_events_to_notes(events: list[int]) -> list[tuple[int, int, int]]:
    """(start step, end step, pitch) notes of melody events (a note lasts until the next on/off or the end)."""
    notes = []
    current: tuple[int, int] | None = None
    for step, event in enumerate(events):
        if event >= 0 or event == NOTE_OFF:
            if current is not None:
                notes.append((current[0], step, current[1]))
            current = (step, event) if event >= 0 else None
    if current is not None:
        notes.append((current[0], len(events), current[1]))
    return notes
