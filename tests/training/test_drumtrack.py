"""MIDI -> drum_kit tracks without TensorFlow: quantization, bar start, gaps, class bitmasks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.training.drumtrack import DrumTrackError, read_hits, read_tracks
from tests.training.synth import rock_bar, write_drums

KICK, SNARE, HAT = 1, 2, 4


def test_rock_bar_classes_and_length(tmp_path: Path) -> None:
    path = write_drums(tmp_path / "rock.mid", rock_bar(0) + rock_bar(16))
    [track] = read_tracks(path)
    assert len(track) == 16 + 15  # ends one step after the last hit (hat on step 30)
    assert track[0] == KICK | HAT and track[4] == SNARE | HAT and track[2] == HAT and track[1] == 0
    assert track[8] == KICK | HAT and track[28] == SNARE | HAT


def test_track_starts_at_the_bar_of_the_first_note_and_rounds_to_nearest_16th(tmp_path: Path) -> None:
    path = write_drums(tmp_path / "late.mid", [(21.4, 36), (22.5, 38), (23.6, 42)])
    [track] = read_tracks(path, min_bars=0)
    # first note at step 21 -> the track starts at step 16 (bar 2); 22.5 rounds up to 23; 23.6 to 24
    assert np.nonzero(track)[0].tolist() == [5, 7, 8]
    assert track[5] == KICK and track[7] == SNARE and track[8] == HAT


def test_a_bar_of_silence_splits_tracks_and_min_bars_filters(tmp_path: Path) -> None:
    hits = rock_bar(0) + rock_bar(16) + rock_bar(64) + [(100, 36)]
    path = write_drums(tmp_path / "gap.mid", hits)
    # (lengths checked against note_seq 0.0.5 + Magenta 2.1.4's extract_drum_tracks)
    assert [len(t) for t in read_tracks(path, min_bars=0)] == [31, 15, 5]
    assert [len(t) for t in read_tracks(path, min_bars=1)] == [31]
    assert read_tracks(path, min_bars=2) == []


def test_tempo_sets_the_step_grid(tmp_path: Path) -> None:
    path = write_drums(tmp_path / "slow.mid", [(0, 36), (4, 38)], bpm=90)
    hits = read_hits(path)
    assert hits.steps.tolist() == [0, 4] and hits.steps_per_bar == 16


def test_three_four_bar_length(tmp_path: Path) -> None:
    path = write_drums(tmp_path / "waltz.mid", [(13, 36), (14, 38)], time_signature=(3, 4))
    assert read_hits(path).steps_per_bar == 12
    [track] = read_tracks(path, min_bars=0)
    assert track.tolist() == [0, KICK, SNARE]  # bar 2 starts at step 12


def test_unreadable_file_and_unknown_pitch(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    with pytest.raises(DrumTrackError, match="not a readable MIDI file"):
        read_tracks(bad)
    with pytest.raises(DrumTrackError, match="pitch 100"):
        read_tracks(write_drums(tmp_path / "odd.mid", [(0, 100)]))


ROUNDING = Path(__file__).parents[1] / "models" / "data" / "rounding"


@pytest.mark.parametrize("name", ["dropped_notes.mid", "half_step_84bpm.mid", "half_step_105bpm.mid",
                                  "tempo_on_track1.mid"])
def test_tracks_match_magenta_record(name: str) -> None:
    # magenta.json: Magenta 2.1.4's training extraction (TimeChangeSplitter's first section,
    # quantize_note_sequence(4), extract_drum_tracks(min_bars=0, gap_bars=1), drum_kit class masks),
    # recorded by scripts/magenta_midi_agreement.py --record (see tests/models/test_models_rounding.py).
    import json

    expected = json.loads((ROUNDING / "magenta.json").read_text())[name]["train"]
    assert [t.tolist() for t in read_tracks(ROUNDING / name, min_bars=0)] == expected


def test_notes_pretty_midi_drops_are_not_hits() -> None:
    # dropped_notes.mid: a snare never closed (step 2) and a hat closed on its own tick (step 4) are
    # dropped; two kick note-ons (steps 6, 7) closed by one note-off both count.
    [track] = read_tracks(ROUNDING / "dropped_notes.mid", min_bars=0)
    assert np.nonzero(track)[0].tolist() == [0, 6, 7, 8]
