"""`drumbridge train`: train a drum_kit model from a folder of MIDI files into a Magenta `.mag` bundle."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SUPPORTED_CONFIGS = ("drum_kit",)


def parse_layers(text: str) -> list[int]:
    """'256,256,256' -> [256, 256, 256]; every size a positive integer."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--layers must be comma-separated integers, got {text!r}") from None
    if not sizes or any(size <= 0 or size > 4096 for size in sizes):
        raise argparse.ArgumentTypeError(f"--layers sizes must be between 1 and 4096, got {text!r}")
    return sizes


def positive_int(text: str) -> int:
    """An integer > 0 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a drum model from a folder of MIDI files",
        description="Train a drums RNN (Magenta drum_kit encoding) on a folder of MIDI files and write a "
        "Magenta .mag bundle. Uses info.csv's split column when present (Groove MIDI), else a stable "
        "hash of each path; stops early on validation loss; rerun the same command to resume. "
        "Training needs TensorFlow + Magenta in a separate interpreter (see --python); "
        "running the model afterwards never does.",
    )
    parser.add_argument("--midi-dir", required=True, type=Path,
                        help="folder of .mid/.midi files (searched recursively)")
    parser.add_argument("--out", required=True, type=Path, help="the .mag bundle to write (.npz with --groove)")
    parser.add_argument("--groove", action="store_true",
                        help="train the groove model (velocity + timing, numpy); see `drumbridge groove train`")
    parser.add_argument("--config", default="drum_kit", choices=SUPPORTED_CONFIGS, help="encoding (default drum_kit)")
    parser.add_argument("--layers", default=[256, 256, 256], type=parse_layers, help="LSTM sizes (default 256,256,256)")
    parser.add_argument("--attn-length", default=32, type=positive_int, help="attention length (default 32)")
    parser.add_argument("--steps", default=20000, type=positive_int, help="maximum training steps (default 20000)")
    parser.add_argument("--seed", default=0, type=int, help="random seed (default 0)")
    parser.add_argument("--batch-size", default=64, type=positive_int)
    parser.add_argument("--crop-steps", default=128, type=positive_int, help="training window in 16th steps")
    parser.add_argument("--learning-rate", default=0.001, type=float)
    parser.add_argument("--dropout-keep", default=0.5, type=float, help="dropout keep probability (default 0.5)")
    parser.add_argument("--eval-every", default=200, type=positive_int, help="steps between validation runs")
    parser.add_argument("--patience", default=8, type=positive_int,
                        help="validation runs without improvement before stopping")
    parser.add_argument("--threads", default=1, type=positive_int, help="TensorFlow intra/inter-op threads (default 1)")
    parser.add_argument("--nice", default=10, type=int, help="niceness of the training process (default 10)")
    parser.add_argument("--validation-percent", default=10, type=int, help="validation share without info.csv")
    parser.add_argument("--test-percent", default=10, type=int, help="test share without info.csv")
    parser.add_argument("--work-dir", type=Path, default=None, help="checkpoints and cache (default OUT.train/)")
    parser.add_argument("--record", type=Path, default=None, help="training record JSON (default OUT.training.json)")
    parser.add_argument("--description", default=None, help="bundle description")
    parser.add_argument("--python", default=None,
                        help="Python with TensorFlow + Magenta (default: $DRUMBRIDGE_TRAIN_PYTHON, .venv-train, ...)")
    from bridge.cli.groove_cmd import add_train_options

    add_train_options(parser)
    parser.set_defaults(func=handle)


def trainer_options(args: argparse.Namespace, split_json: Path, work_dir: Path, description: str) -> list[str]:
    """The trainer's command-line options for these arguments."""
    return [
        "--split-json", str(split_json), "--work-dir", str(work_dir), "--out", str(args.out),
        "--config", args.config, "--layers", ",".join(str(s) for s in args.layers),
        "--attn-length", str(args.attn_length), "--steps", str(args.steps), "--seed", str(args.seed),
        "--batch-size", str(args.batch_size), "--crop-steps", str(args.crop_steps),
        "--learning-rate", str(args.learning_rate), "--dropout-keep", str(args.dropout_keep),
        "--eval-every", str(args.eval_every), "--patience", str(args.patience),
        "--threads", str(args.threads), "--description", description,
    ]


def handle(args: argparse.Namespace) -> int:
    """Check the arguments, find the TF interpreter, train, and write the bundle and its record."""
    from bridge.cli.main import CliError
    from bridge.training.progress import ProgressPrinter
    from bridge.training.runner import TrainingError, find_interpreter, run_trainer
    from bridge.training.split import SplitError, find_split

    if args.groove:
        from bridge.cli.groove_cmd import handle_train

        return handle_train(args)
    if args.out.suffix != ".mag":
        raise CliError(f"--out must name a .mag file, got {args.out}")
    if not 0.0 < args.dropout_keep <= 1.0:
        raise CliError(f"--dropout-keep must be in (0, 1], got {args.dropout_keep}")
    try:
        split = find_split(args.midi_dir, args.validation_percent, args.test_percent)
    except SplitError as error:
        raise CliError(str(error)) from None
    work_dir = args.work_dir or args.out.with_name(args.out.name + ".train")
    record = args.record or args.out.with_name(args.out.stem + ".training.json")
    layers = ",".join(str(s) for s in args.layers)
    description = args.description or (
        f"drum_kit drums RNN ({layers} LSTM, attention {args.attn_length}) trained by drumbridge on {split.root.name}")
    try:
        interpreter = find_interpreter(args.python)
    except TrainingError as error:
        raise CliError(str(error)) from None
    work_dir.mkdir(parents=True, exist_ok=True)
    split_json = work_dir / "split.json"
    split_json.write_text(json.dumps({"root": str(split.root), "source": split.source, "files": split.files}))
    print(f"training {args.config} {layers} on {split.root}: {split.counts()} files ({split.source}); "
          f"interpreter {interpreter.path}; checkpoints in {work_dir}", file=sys.stderr)
    printer = ProgressPrinter(sys.stderr)
    started = time.time()
    try:
        done = run_trainer(interpreter.path, trainer_options(args, split_json, work_dir, description),
                           printer.handle, work_dir / "train.log", threads=args.threads, nice=args.nice)
    except TrainingError as error:
        raise CliError(str(error)) from None
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({
        "bundle": args.out.name,
        "description": description,
        "data": {"split": split.to_json(), "tracks": done.get("data")},
        "hyper_parameters": done.get("config"),
        "max_steps": args.steps,
        "steps_trained": done.get("steps"),
        "best_step": done.get("best_step"),
        "best_validation_loss_per_step": done.get("best_val"),
        "stopped": done.get("stopped"),
        "training_seconds": done.get("elapsed"),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_seconds_this_run": round(time.time() - started, 1),
        "history": done.get("history"),
    }, indent=1) + "\n")
    print(f"wrote {args.out} and {record}", file=sys.stderr)
    return 0
