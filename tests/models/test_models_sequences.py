"""MIDI <-> events: Magenta's extraction rules, round trips, and clear errors."""

from __future__ import annotations

import mido
import pytest

from bridge.models import SequenceError
from bridge.models import sequences as sq
from bridge.models.encodings import NO_EVENT, NOTE_OFF

TPQ = 480
SIXTEENTH = TPQ // 4


def _write(path, notes, bpm=120.0, channel=9, extra_meta=()):
    midi = mido.MidiFile(ticks_per_beat=TPQ)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    for message in extra_meta:
        track.append(message)
    timed = []
    for start, end, pitch in notes:
        timed.append((start, 1, mido.Message("note_on", note=pitch, velocity=100, channel=channel)))
        timed.append((end, 0, mido.Message("note_off", note=pitch, velocity=0, channel=channel)))
    now = 0
    for tick, _, message in sorted(timed, key=lambda t: (t[0], t[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    midi.save(path)
    return path


def test_drum_track_starts_at_the_bar_of_the_first_note_and_ends_after_the_last_hit(tmp_path) -> None:
    # first hit at step 21 (bar 1), last at step 26 (+0.4 step late: rounds down), 16th notes at 120 bpm
    notes = [(21 * SIXTEENTH, 22 * SIXTEENTH, 36), (26 * SIXTEENTH + 48, 27 * SIXTEENTH, 38)]
    track = sq.read_track(_write(tmp_path / "d.mid", notes), drums=True, steps_per_quarter=4)
    assert track.start_step == 16
    assert len(track.events) == 26 - 16 + 1
    assert track.events[5] == frozenset({36}) and track.events[10] == frozenset({38})


def test_notes_round_to_the_nearest_step(tmp_path) -> None:
    notes = [(SIXTEENTH * 3 + 70, SIXTEENTH * 4, 42), (SIXTEENTH * 8 - 50, SIXTEENTH * 9, 38)]
    track = sq.read_track(_write(tmp_path / "r.mid", notes), drums=True, steps_per_quarter=4)
    assert track.events[4] == frozenset({42})  # 3.58 steps -> 4
    assert track.events[8] == frozenset({38})  # 7.58 steps -> 8


def test_melody_ends_at_its_last_note_off_which_is_dropped(tmp_path) -> None:
    notes = [(0, 2 * SIXTEENTH, 60), (4 * SIXTEENTH, 6 * SIXTEENTH, 64)]
    track = sq.read_track(_write(tmp_path / "m.mid", notes, channel=0), drums=False, steps_per_quarter=4)
    assert track.events == [60, NO_EVENT, NOTE_OFF, NO_EVENT, 64, NO_EVENT]


def test_melody_keeps_the_highest_of_simultaneous_notes_and_cuts_overlaps(tmp_path) -> None:
    notes = [(0, 4 * SIXTEENTH, 60), (0, 4 * SIXTEENTH, 67), (2 * SIXTEENTH, 3 * SIXTEENTH, 62)]
    track = sq.read_track(_write(tmp_path / "p.mid", notes, channel=0), drums=False, steps_per_quarter=4)
    assert track.events == [67, NO_EVENT, 62]


def test_melody_ignores_drum_channel(tmp_path) -> None:
    path = _write(tmp_path / "d.mid", [(0, SIXTEENTH, 36)], channel=9)
    with pytest.raises(SequenceError, match="no melody notes"):
        sq.read_track(path, drums=False, steps_per_quarter=4)


def test_tempo_change_is_refused(tmp_path) -> None:
    path = _write(tmp_path / "t.mid", [(0, SIXTEENTH, 36)],
                  extra_meta=[mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90), time=TPQ)])
    with pytest.raises(SequenceError, match="tempo"):
        sq.read_midi(path)


def test_unreadable_midi_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "bad.mid"
    path.write_bytes(b"MThd garbage")
    with pytest.raises(SequenceError, match="bad.mid"):
        sq.read_midi(path)


@pytest.mark.parametrize("bpm", [120.0, 97.0])
def test_drum_events_round_trip_through_midi(tmp_path, bpm) -> None:
    events = [frozenset({36, 42}), frozenset(), frozenset({42}), frozenset({38}), frozenset(), frozenset({49})]
    sq.events_to_midi(events, True, 4, bpm, start_step=16).save(tmp_path / "o.mid")
    track = sq.read_track(tmp_path / "o.mid", drums=True, steps_per_quarter=4)
    assert (track.events, track.start_step) == (events, 16)
    assert track.qpm == pytest.approx(bpm, rel=1e-5)


def test_melody_events_round_trip_through_midi(tmp_path) -> None:
    events = [60, NO_EVENT, 62, NOTE_OFF, NO_EVENT, 65, NO_EVENT, NO_EVENT, 64]
    sq.events_to_midi(events, False, 4).save(tmp_path / "o.mid")
    track = sq.read_track(tmp_path / "o.mid", drums=False, steps_per_quarter=4)
    assert track.events == events


def test_note_helpers() -> None:
    assert sq.drum_event_from_pitches([35, 44, 21], canonical=True) == frozenset({36, 42})
    assert sq.drum_events_to_notes([frozenset({42, 36}), frozenset()]) == [(0, 36), (0, 42)]
    events = sq.melody_events_from_notes([(2, 4, 60), (4, 5, 62)], length=8)
    assert events == [NO_EVENT, NO_EVENT, 60, NO_EVENT, 62, NOTE_OFF, NO_EVENT, NO_EVENT]
    assert sq.melody_events_to_notes(events) == [(2, 4, 60), (4, 5, 62)]
