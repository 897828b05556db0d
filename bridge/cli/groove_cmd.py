"""`drumbridge groove`: humanize a MIDI drum file with a groove model, or train one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from bridge.groove.midifile import DrumFile

DEFAULT_GROOVE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "groove-midi"


def unit_interval(text: str) -> float:
    """A float in 0..1 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """Options of groove training (shared by `groove train` and `train --groove`)."""
    parser.add_argument("--groove-seed", dest="groove_seed", default=0, type=int, help="training seed (default 0)")
    parser.add_argument("--epochs", default=20, type=int, help="maximum epochs (default 20)")
    parser.add_argument("--groove-patience", dest="groove_patience", default=4, type=int,
                        help="epochs without validation improvement before stopping (default 4)")
    parser.add_argument("--cache", type=Path, default=None, help="cache of the read performances (.npz)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `groove` subcommand with `humanize` and `train`."""
    parser = subparsers.add_parser("groove", help="humanize drum MIDI (velocity + timing) or train the groove model",
                                   description="A groove model gives each hit of a quantized drum pattern a "
                                   "velocity and an offset from the 16th grid, learned from real drummers.")
    sub = parser.add_subparsers(dest="groove_command", metavar="ACTION")
    humanize = sub.add_parser("humanize", help="give a MIDI drum file velocities and microtiming",
                              description="Same hits in, same hits out: each keeps its 16th (offsets stay within "
                              "half a 16th) and gets the groove's velocity and timing.")
    humanize.add_argument("input", type=Path, help="MIDI file with drums on channel 10")
    humanize.add_argument("--out", required=True, type=Path, help="MIDI file to write")
    humanize.add_argument("--model", default="builtin:groove", help="builtin:groove (default) or a .npz file")
    humanize.add_argument("--seed", default=0, type=int, help="sampling seed (default 0)")
    humanize.add_argument("--mean", action="store_true", help="each hit's expected velocity and offset (no sampling)")
    humanize.add_argument("--humanize", default=1.0, type=unit_interval,
                          help="0 = grid and input velocity, 1 = full groove (default 1)")
    humanize.set_defaults(func=handle_humanize)
    trainer = sub.add_parser("train", help="train a groove model from a folder of performances",
                             description="Train on info.csv's train split (else a stable hash split), stop early "
                             "on the validation split, report the test split's 4/4 beats.")
    trainer.add_argument("--midi-dir", type=Path, default=DEFAULT_GROOVE_DIR, help="folder of drum performances")
    trainer.add_argument("--out", type=Path, required=True, help="the .npz model to write (record next to it)")
    add_train_options(trainer)
    trainer.set_defaults(func=handle_train)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def handle_humanize(args: argparse.Namespace) -> int:
    """Read, groove, write; prints how many hits were humanized."""
    from bridge.cli.main import CliError
    from bridge.groove.humanizer import groove_pattern
    from bridge.groove.midifile import GrooveFileError, apply_groove, read_drum_file
    from bridge.groove.model import GrooveModelError
    from bridge.groove.registry import load_groove

    try:
        model = load_groove(args.model)
        drums = read_drum_file(args.input)
    except (GrooveModelError, GrooveFileError) as error:
        raise CliError(str(error)) from None
    if model is None:
        raise CliError("--model none: nothing to humanize with; name builtin:groove or a .npz file")
    base = _input_velocities(drums)
    groove = groove_pattern(model, drums.hits, qpm=drums.qpm, seed=args.seed, mean=args.mean,
                            humanize=args.humanize, base_velocity=base)
    try:
        apply_groove(drums, groove).save(str(args.out))
    except OSError as error:
        raise CliError(f"cannot write {args.out}: {error}") from None
    print(f"humanized {len(drums.notes)} drum notes ({int(drums.hits.sum())} hits on {drums.hits.shape[0]} steps) "
          f"-> {args.out}", file=sys.stderr)
    return 0


def _input_velocities(drums: DrumFile) -> np.ndarray:
    """Per (step, class) the input's velocity, the starting point `--humanize` blends from."""
    import numpy as np

    base = np.full(drums.hits.shape, 100.0)
    for track, index, step, cls in drums.notes:
        base[step, cls] = drums.midi.tracks[track][index].velocity
    return base


def handle_train(args: argparse.Namespace) -> int:
    """Train, write the .npz and its .json record, print the test figures."""
    import json

    from bridge.cli.main import CliError
    from bridge.groove.build import build, write_record
    from bridge.groove.train import TrainConfig
    from bridge.training.split import SplitError

    if args.out.suffix != ".npz":
        raise CliError(f"--out must name a .npz file, got {args.out}")
    config = TrainConfig(seed=args.groove_seed, max_epochs=args.epochs, patience=args.groove_patience)
    try:
        record = build(args.midi_dir, args.out, config, args.cache,
                       progress=lambda entry: print(json.dumps(entry), file=sys.stderr))
    except (SplitError, ValueError) as error:
        raise CliError(str(error)) from None
    write_record(record, args.out.with_suffix(".json"))
    print(json.dumps(record["test_beats"], indent=1))
    return 0
