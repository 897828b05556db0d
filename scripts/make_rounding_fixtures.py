"""Write the small MIDI files in tests/models/data/rounding/ that pin how Magenta rounds and pairs notes.

    .venv/bin/python scripts/make_rounding_fixtures.py
    TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/magenta_midi_agreement.py \
        tests/models/data/rounding/*.mid --record tests/models/data/rounding/magenta.json

The second command records what Magenta 2.1.4 (note_seq/pretty_midi) extracts from each file; the
tests compare drumbridge's readers with that record.
"""

from __future__ import annotations

from pathlib import Path

import mido

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests/models/data/rounding"
TPQ = 480
HALF = TPQ // 8  # half a 16th note
KICK, SNARE, HAT, RIDE = 36, 38, 42, 51


def _file(events: list[tuple[int, mido.Message]], tempo: int | None, tempo_track: int = 0) -> mido.MidiFile:
    """A MIDI file with (tick, message) drum events on the last track and the tempo on `tempo_track`."""
    midi = mido.MidiFile(type=1 if tempo_track else 0, ticks_per_beat=TPQ)
    for _ in range(tempo_track + 1):
        midi.tracks.append(mido.MidiTrack())
    if tempo is not None:
        midi.tracks[tempo_track].append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
    track = midi.tracks[-1]
    now = 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        track.append(message.copy(time=tick - now))
        now = tick
    for t in midi.tracks:
        t.append(mido.MetaMessage("end_of_track", time=0))
    return midi


def _hit(tick: int, pitch: int, length: int = HALF) -> list[tuple[int, mido.Message]]:
    """A drum note-on and its note-off `length` ticks later."""
    return [(tick, mido.Message("note_on", channel=9, note=pitch, velocity=100)),
            (tick + length, mido.Message("note_off", channel=9, note=pitch, velocity=0))]


def _on(tick: int, pitch: int) -> tuple[int, mido.Message]:
    return tick, mido.Message("note_on", channel=9, note=pitch, velocity=100)


def _off(tick: int, pitch: int) -> tuple[int, mido.Message]:
    return tick, mido.Message("note_off", channel=9, note=pitch, velocity=0)


def half_step_hits() -> list[tuple[int, mido.Message]]:
    """Hits exactly half a step after steps 0, 2, 8 and 169 (the Groove file that showed the bug)."""
    events = _hit(0, HAT)
    for step, pitch in ((0, KICK), (2, SNARE), (8, KICK), (169, KICK)):
        events += _hit((2 * step + 1) * HALF, pitch)
    return events


def main() -> None:
    """Write the fixtures."""
    OUT.mkdir(parents=True, exist_ok=True)
    # 84 bpm (Groove's drummer1/eval_session/5): pretty_midi lands just above each half step (rounds up),
    # tempo/1e6/tpq arithmetic just below.
    _file(half_step_hits(), 714286).save(OUT / "half_step_84bpm.mid")
    # 105 bpm: the other way round.
    _file(half_step_hits(), 571429).save(OUT / "half_step_105bpm.mid")
    # Notes pretty_midi drops or merges, 120 bpm, one 16th = 2 * HALF ticks.
    step = 2 * HALF
    dropped = _hit(0, KICK) + _hit(8 * step, RIDE)
    dropped += [_on(2 * step, SNARE)]  # never closed: dropped
    dropped += [_on(4 * step, HAT), _off(4 * step, HAT)]  # note-off on its own tick: dropped
    dropped += [_on(6 * step, KICK), _on(7 * step, KICK), _off(8 * step, KICK)]  # one off closes both
    _file(dropped, 500000).save(OUT / "dropped_notes.mid")
    # Type 1 with the tempo on track 1: pretty_midi reads tempo from track 0 only, so this is 120 bpm.
    _file(_hit(0, KICK) + _hit(4 * step, SNARE), 666667, tempo_track=1).save(OUT / "tempo_on_track1.mid")


if __name__ == "__main__":
    main()
