"""read_midi + extract_drums land every note on the step Magenta 2.1.4 gives it, half-step boundaries included.

The fixtures in data/rounding/ are written by scripts/make_rounding_fixtures.py (mido); magenta.json is
what real Magenta (note_seq 0.0.5 / pretty_midi 0.2.11: midi_file_to_note_sequence,
quantize_note_sequence at 4 steps per quarter, the drums_rnn generator's extract_drum_tracks) extracted
from them, recorded with
    TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/magenta_midi_agreement.py \\
        tests/models/data/rounding/*.mid --record tests/models/data/rounding/magenta.json
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.models import midifile
from bridge.models import sequences as sq

DATA = Path(__file__).parent / "data" / "rounding"
MAGENTA = json.loads((DATA / "magenta.json").read_text())


@pytest.mark.parametrize("name", sorted(MAGENTA))
def test_drum_steps_match_magenta(name: str) -> None:
    track = sq.extract_drums(sq.read_midi(DATA / name), 4)
    start_step, events = MAGENTA[name]["score"]
    assert track is not None
    assert track.start_step == start_step
    assert [sorted(e) for e in track.events] == events


@pytest.mark.parametrize("name", sorted(MAGENTA))
def test_tempo_matches_magenta_exactly(name: str) -> None:
    # note_seq reads qpm back from pretty_midi's seconds-per-tick, which is not exactly 6e7 / tempo
    assert sq.read_midi(DATA / name).qpm == MAGENTA[name]["qpm"]


def test_half_step_notes_round_like_magenta_in_both_directions() -> None:
    # 84 bpm: pretty_midi puts 0.5, 2.5, 8.5 and 169.5 steps a hair above the half step (round up);
    # 105 bpm: 2.5 lands a hair below (round down) while the others still round up.
    hits = {name: [i for i, e in enumerate(sq.extract_drums(sq.read_midi(DATA / name), 4).events) if e]
            for name in ("half_step_84bpm.mid", "half_step_105bpm.mid")}
    assert hits["half_step_84bpm.mid"] == [0, 1, 3, 9, 170]
    assert hits["half_step_105bpm.mid"] == [0, 1, 2, 9, 170]


def test_tempo_outside_track_0_is_ignored_as_pretty_midi_does() -> None:
    assert sq.read_midi(DATA / "tempo_on_track1.mid").qpm == 120.0


def test_tick_to_seconds_follows_tempo_segments() -> None:
    # 480 ticks per quarter: 120 bpm for 960 ticks (1 s), then 60 bpm
    seconds = midifile.tick_to_seconds([(0, 60.0 / (120.0 * 480)), (960, 60.0 / (60.0 * 480))])
    assert seconds(0) == 0.0 and seconds(480) == 0.5 and seconds(960) == 1.0 and seconds(1440) == 2.0
