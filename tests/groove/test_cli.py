"""`drumbridge groove humanize`: a MIDI file round trip keeps every hit on its 16th, with velocity and timing."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import mido
import pytest

from bridge.cli.main import main

TPQ = 480
STEP = TPQ // 4


def write_pattern(path: Path, bars: int = 2) -> list[tuple[int, int]]:
    """A rock beat on the grid at velocity 100 plus a piano note; returns (tick, pitch) of the drum hits."""
    hits = []
    for step in range(16 * bars):
        if step % 8 == 0:
            hits.append((step * STEP, 36))
        if step % 8 == 4:
            hits.append((step * STEP, 38))
        if step % 2 == 0:
            hits.append((step * STEP, 42))
    events = []
    for tick, pitch in hits:
        events.append((tick, mido.Message("note_on", channel=9, note=pitch, velocity=100)))
        events.append((tick + 30, mido.Message("note_off", channel=9, note=pitch, velocity=0)))
    events.append((0, mido.Message("note_on", channel=0, note=60, velocity=80)))
    events.append((STEP * 3, mido.Message("note_off", channel=0, note=60, velocity=0)))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0)])
    previous = 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(message.copy(time=tick - previous))
        previous = tick
    midi = mido.MidiFile(ticks_per_beat=TPQ)
    midi.tracks.append(track)
    midi.save(str(path))
    return hits


def note_ons(path: Path) -> list[tuple[int, int, int, int]]:
    """(tick, channel, pitch, velocity) of every note-on."""
    found, tick = [], 0
    for message in mido.MidiFile(str(path)).tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            found.append((tick, message.channel, message.note, message.velocity))
    return found


def test_humanize_keeps_every_hit_on_its_16th(tmp_path: Path) -> None:
    source, out = tmp_path / "grid.mid", tmp_path / "out.mid"
    hits = write_pattern(source)
    assert main(["groove", "humanize", str(source), "--out", str(out), "--seed", "4"]) == 0
    played = [n for n in note_ons(out) if n[1] == 9]
    assert Counter(n[2] for n in played) == Counter(p for _, p in hits)
    assert sorted((round(t / STEP), p) for t, _, p, _ in played) == sorted((t // STEP, p) for t, p in hits)
    assert all(abs(t / STEP - round(t / STEP)) < 0.5 for t, _, _, _ in played)
    assert len({v for *_, v in played}) > 5
    assert any(t % STEP for t, *_ in played)
    assert [n for n in note_ons(out) if n[1] == 0] == [(0, 0, 60, 80)]
    # every note-off still follows its note-on: no hanging notes
    open_notes, tick = Counter(), 0
    for message in mido.MidiFile(str(out)).tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            open_notes[(message.channel, message.note)] += 1
        elif message.type in ("note_on", "note_off"):
            open_notes[(message.channel, message.note)] -= 1
            assert open_notes[(message.channel, message.note)] >= 0
    assert not +open_notes


def test_mean_is_deterministic_and_seed_repeats(tmp_path: Path) -> None:
    source = tmp_path / "grid.mid"
    write_pattern(source)
    outputs = {}
    for name, extra in {"m1": ["--mean"], "m2": ["--mean"], "s1": ["--seed", "9"], "s2": ["--seed", "9"],
                        "s3": ["--seed", "10"]}.items():
        outputs[name] = tmp_path / f"{name}.mid"
        assert main(["groove", "humanize", str(source), "--out", str(outputs[name]), *extra]) == 0
    assert note_ons(outputs["m1"]) == note_ons(outputs["m2"])
    assert note_ons(outputs["s1"]) == note_ons(outputs["s2"])
    assert note_ons(outputs["s1"]) != note_ons(outputs["s3"])


def test_humanize_zero_leaves_the_file_on_the_grid(tmp_path: Path) -> None:
    source, out = tmp_path / "grid.mid", tmp_path / "flat.mid"
    write_pattern(source)
    assert main(["groove", "humanize", str(source), "--out", str(out), "--humanize", "0"]) == 0
    assert note_ons(out) == note_ons(source)


def test_bad_input_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    empty = tmp_path / "empty.mid"
    mido.MidiFile().save(str(empty))
    assert main(["groove", "humanize", str(empty), "--out", str(tmp_path / "o.mid")]) == 2
    assert "no drum notes" in capsys.readouterr().err
    assert main(["groove", "humanize", str(tmp_path / "nope.mid"), "--out", str(tmp_path / "o.mid")]) == 2
    assert "nope.mid" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["groove", "humanize", str(empty), "--out", "o.mid", "--humanize", "2"])
    assert not (tmp_path / "o.mid").exists()


def test_console_script_runs_without_tensorflow(tmp_path: Path) -> None:
    source, out = tmp_path / "grid.mid", tmp_path / "out.mid"
    write_pattern(source)
    code = ("import sys; from bridge.cli.main import main; rc = main(sys.argv[1:]); "
            "assert 'tensorflow' not in sys.modules; raise SystemExit(rc)")
    done = subprocess.run([sys.executable, "-c", code, "groove", "humanize", str(source), "--out", str(out), "--mean"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "humanized 24 drum notes" in done.stderr


def test_real_performance_round_trip(shared_data: Path, tmp_path: Path) -> None:
    from bridge.groove.performance import read_performance

    source = shared_data / "groove-midi" / "drummer1" / "eval_session" / "1_funk-groove1_138_beat_4-4.mid"
    out = tmp_path / "out.mid"
    assert main(["groove", "humanize", str(source), "--out", str(out), "--seed", "1"]) == 0
    before, _ = read_performance(source)
    after, _ = read_performance(out)
    assert (before.hits == after.hits).all()


def write_performance_folder(root: Path) -> None:
    """Six tiny played performances (off-grid, varied velocity) with an info.csv split."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows = ["midi_filename,split,beat_type"]
    for index, split in enumerate(["train"] * 4 + ["validation", "test"]):
        events = []
        for step in range(64):
            for pitch, every, loud in ((36, 8, 110), (38, 8, 95), (42, 2, 70)):
                phase = 4 if pitch == 38 else 0
                if step % every == phase % every:
                    tick = max(0, step * STEP + int(rng.normal(0, 12)))
                    velocity = int(np.clip(loud + rng.normal(0, 10), 1, 127))
                    events.append((tick, mido.Message("note_on", channel=9, note=pitch, velocity=velocity)))
                    events.append((tick + 40, mido.Message("note_off", channel=9, note=pitch, velocity=0)))
        track, previous = mido.MidiTrack(), 0
        for tick, message in sorted(events, key=lambda e: e[0]):
            track.append(message.copy(time=tick - previous))
            previous = tick
        midi = mido.MidiFile(ticks_per_beat=TPQ)
        midi.tracks.append(track)
        midi.save(str(root / f"p{index}.mid"))
        rows.append(f"p{index}.mid,{split},beat")
    (root / "info.csv").write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("command", [["groove", "train"], ["train", "--groove"]])
def test_training_from_a_folder_writes_a_usable_model(tmp_path: Path, command: list[str]) -> None:
    import json

    folder = tmp_path / "perf"
    folder.mkdir()
    write_performance_folder(folder)
    out = tmp_path / "mine.npz"
    assert main([*command, "--midi-dir", str(folder), "--out", str(out), "--epochs", "2"]) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["training"]["history"][-1]["epoch"] == 2
    assert "Groove MIDI" in record["dataset"]["credit"]
    grid = tmp_path / "grid.mid"
    write_pattern(grid)
    assert main(["groove", "humanize", str(grid), "--out", str(tmp_path / "o.mid"), "--model", str(out)]) == 0
