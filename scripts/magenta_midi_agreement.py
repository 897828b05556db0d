"""Check that drumbridge's MIDI readers quantize drum notes exactly as Magenta 2.1.4 (note_seq/pretty_midi) does.

Run with the Magenta venv; it runs drumbridge's half under drumbridge's venv (--bridge-python, default
this worktree's .venv/bin/python) and prints JSON:

    TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/magenta_midi_agreement.py \
        [--split test|train|validation|all] [--data /work/shared/data/groove-midi] [MIDI ...] \
        [--bridge-python PYTHON] [--record magenta.json]

Three comparisons per file:
- the tempo (qpm) each side quantizes with;
- `extract_drums` (model score/generate primers) against the drums_rnn generator's extraction:
  midi_file_to_note_sequence, quantize_note_sequence(4), extract_drum_tracks(min_bars=0,
  gap_bars=inf, ignore_is_drum=True); start step plus the pitches struck on every step.
- `bridge.training.drumtrack.read_tracks` against the training pipeline's first TimeChangeSplitter
  section, quantized, extract_drum_tracks(min_bars=0, gap_bars=1.0) (every track, even short ones), as
  drum_kit class masks.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("/work/shared/data/groove-midi")


def bridge_side(paths: list[str]) -> dict:
    """Under drumbridge's venv: extract_drums and read_tracks for every file."""
    from bridge.models.sequences import extract_drums, read_midi
    from bridge.training.drumtrack import read_tracks

    out = {}
    for path in paths:
        entry: dict = {}
        try:
            sequence = read_midi(path)
            entry["qpm"] = sequence.qpm
            track = extract_drums(sequence, 4)
            entry["score"] = None if track is None else [track.start_step, [sorted(e) for e in track.events]]
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            entry["score"] = f"error: {error}"
        try:
            entry["train"] = [t.tolist() for t in read_tracks(path, min_bars=0)]
        except Exception as error:  # noqa: BLE001
            entry["train"] = f"error: {error}"
        out[path] = entry
    return out


def magenta_side(paths: list[str]) -> dict:
    """Under the Magenta venv: the generator's and the training pipeline's drum extraction."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import note_seq
    from magenta.pipelines import drum_pipelines
    from note_seq import drums_encoder_decoder, sequences_lib

    classes = drums_encoder_decoder.MultiDrumOneHotEncoding()
    out = {}
    for path in paths:
        entry: dict = {}
        sequence = note_seq.midi_file_to_note_sequence(path)
        entry["qpm"] = sequence.tempos[0].qpm if sequence.tempos else 120.0
        try:
            quantized = note_seq.quantize_note_sequence(sequence, 4)
            tracks, _ = drum_pipelines.extract_drum_tracks(
                quantized, search_start_step=0, min_bars=0, gap_bars=float("inf"), ignore_is_drum=True)
            entry["score"] = ([tracks[0].start_step, [sorted(e) for e in tracks[0]]] if tracks else None)
        except Exception as error:  # noqa: BLE001
            entry["score"] = f"error: {error}"
        try:
            section = sequences_lib.split_note_sequence_on_time_changes(sequence)[0]
            quantized = note_seq.quantize_note_sequence(section, 4)
            tracks, _ = drum_pipelines.extract_drum_tracks(quantized, min_bars=0, gap_bars=1.0)
            entry["train"] = [[_mask(classes, e) for e in t] for t in tracks]
        except Exception as error:  # noqa: BLE001
            entry["train"] = f"error: {error}"
        out[path] = entry
    return out


def _mask(classes, event) -> int:
    """drum_kit class bitmask of one Magenta drum event (MultiDrumOneHotEncoding's index is that mask)."""
    return classes.encode_event(event)


def groove_files(data: Path, split: str) -> list[str]:
    """MIDI paths of one Groove MIDI split (or all) from info.csv."""
    with open(data / "info.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [str(data / r["midi_filename"]) for r in rows if split == "all" or r["split"] == split]


def main(argv: list[str] | None = None) -> int:
    """Compare both sides and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("midi", nargs="*")
    parser.add_argument("--split", default="test", choices=["test", "train", "validation", "all"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--bridge-python", default=str(ROOT / ".venv/bin/python"))
    parser.add_argument("--bridge-side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="write per-file results here")
    parser.add_argument("--record", type=Path, help="write Magenta's results, keyed by file name, here")
    args = parser.parse_args(argv)
    if args.bridge_side:
        json.dump(bridge_side(json.load(sys.stdin)), sys.stdout)
        return 0
    paths = args.midi or groove_files(args.data, args.split)
    done = subprocess.run([args.bridge_python, __file__, "--bridge-side"], input=json.dumps(paths),
                          capture_output=True, text=True, check=True, cwd=ROOT)
    ours = json.loads(done.stdout)
    theirs = magenta_side(paths)
    summary: dict = {"files": len(paths), "bridge_python": args.bridge_python}
    details = {}
    for kind in ("qpm", "score", "train"):
        differing = [p for p in paths if json.loads(json.dumps(theirs[p][kind])) != ours[p].get(kind)]
        summary[f"{kind}_agree"] = len(paths) - len(differing)
        summary[f"{kind}_differ"] = [_name(p, args.data) for p in differing]
        for p in differing:
            details.setdefault(p, {})[kind] = _first_difference(theirs[p][kind], ours[p][kind])
    summary["first_differences"] = {_name(p, args.data): d for p, d in details.items()}
    if args.record:
        record = {Path(p).name: theirs[p] for p in paths}
        args.record.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    if args.out:
        args.out.write_text(json.dumps({"magenta": theirs, "bridge": ours}))
    print(json.dumps(summary, indent=1))
    return 0


def _name(path: str, data: Path) -> str:
    """A file's dataset path, or its name when it is not in the dataset."""
    relative = os.path.relpath(path, data)
    return Path(path).name if relative.startswith("..") else relative


def _first_difference(theirs, ours) -> str:
    """A short description of where two extractions part."""
    if isinstance(theirs, (str, float)) or isinstance(ours, str) or theirs is None or ours is None:
        return f"magenta {str(theirs)[:80]} / bridge {str(ours)[:80]}"
    if isinstance(theirs[0], int) and isinstance(theirs[1], list):  # score: [start, events]
        if theirs[0] != ours[0]:
            return f"start step magenta {theirs[0]} bridge {ours[0]}"
        theirs, ours = [theirs[1]], [ours[1]]
    if len(theirs) != len(ours):
        return f"{len(theirs)} tracks in magenta, {len(ours)} in bridge"
    for t, (a, b) in enumerate(zip(theirs, ours)):
        for step in range(max(len(a), len(b))):
            x = a[step] if step < len(a) else "end"
            y = b[step] if step < len(b) else "end"
            if x != y:
                return f"track {t} step {step}: magenta {x} bridge {y}"
    return "?"


if __name__ == "__main__":
    sys.exit(main())
