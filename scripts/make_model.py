"""Rebuild the built-in drum model from the Groove MIDI Dataset: train, evaluate, record (`make model`).

    .venv/bin/python scripts/make_model.py [--midi-dir ../shared/data/groove-midi] [--python TF_PYTHON]

Steps (each resumable; the work dir .model-work/ keeps checkpoints and results):
1. `drumbridge train` with the shipped hyper-parameters (official split from info.csv, early stopping
   on the validation split);
2. scripts/eval_builtin_model.py under the TF interpreter: test-split log-likelihood against the
   bar-position unigram and random weights, musical checks, and a Magenta generator load;
3. scripts/eval_magenta_agreement.py: drumbridge's numpy scores against Magenta's on test files;
4. bench/builtin_model.py: answer latency with numpy on one core;
5. copies drums.mag and writes training.json (split, hyper-parameters, steps, final figures) into
   bridge/models/builtin/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.training.runner import find_interpreter  # noqa: E402

BUILTIN = ROOT / "bridge" / "models" / "builtin"
UNIGRAM_TABLE = ROOT / "tests" / "training" / "data" / "unigram_train.npy"
# The shipped model's hyper-parameters (chosen on the validation split; see MODEL_CARD.md).
SHIPPED = {"layers": "128,128", "attn_length": 32, "steps": 3200, "batch_size": 64, "crop_steps": 128,
           "learning_rate": 0.001, "dropout_keep": 0.5, "eval_every": 200, "patience": 8, "seed": 1}
AGREEMENT_FILES = 12


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a step, echoing it; stop on failure."""
    print("+ " + " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, **kwargs)


def train(args: argparse.Namespace, bundle: Path, work: Path) -> None:
    """Step 1: drumbridge train (resumes from the work dir's checkpoints)."""
    command = [sys.executable, "-m", "bridge", "train", "--midi-dir", str(args.midi_dir), "--out", str(bundle),
               "--work-dir", str(work), "--record", str(work / "train-record.json"),
               "--python", args.python, "--threads", str(args.threads), "--nice", "15"]
    for key, value in SHIPPED.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    run(command, cwd=ROOT)


def test_files(midi_dir: Path, count: int) -> list[str]:
    """The first `count` test-split files of info.csv (for the Magenta agreement check)."""
    from bridge.training.split import find_split

    return [str(p) for p in find_split(midi_dir).paths("test")[:count]]


def evaluate(args: argparse.Namespace, bundle: Path, work: Path) -> dict:
    """Steps 2-4: the figures that go into training.json and MODEL_CARD.md."""
    results_dir = work / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    run([args.python, str(ROOT / "scripts" / "eval_builtin_model.py"), "--bundle", str(bundle),
         "--midi-dir", str(args.midi_dir), "--cache-dir", str(work), "--threads", str(args.threads),
         "--out", str(results_dir / "eval.json")], stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_magenta_agreement.py"), "--bundle", str(bundle),
                    "--magenta-python", args.python, "--out", str(results_dir / "agreement.json"),
                    *test_files(args.midi_dir, AGREEMENT_FILES)], stdout=subprocess.DEVNULL)
    bench = run([sys.executable, str(ROOT / "bench" / "builtin_model.py"), "--bundle", str(bundle)],
                capture_output=True, text=True)
    (results_dir / "bench.json").write_text(bench.stdout)
    return {name: json.loads((results_dir / f"{name}.json").read_text()) for name in ("eval", "agreement", "bench")}


def write_unigram_table(work: Path) -> None:
    """The train-split bar-position unigram, for tests/training (beat it without the dataset)."""
    import numpy as np

    from bridge.training.baseline import BarPositionUnigram

    caches = sorted(work.glob("tracks-train-*.npz"))
    with np.load(caches[-1]) as data:
        tracks = [data[k] for k in data.files]
    np.save(UNIGRAM_TABLE, BarPositionUnigram.fit(tracks).log_probs.astype(np.float32))


def record(bundle: Path, work: Path, figures: dict) -> dict:
    """training.json: data split, hyper-parameters, steps and the final figures."""
    state = json.loads((work / "state.json").read_text())
    split = json.loads((work / "split.json").read_text())
    evaluation = figures["eval"]
    agreement = figures["agreement"]
    bench = figures["bench"]
    return {
        "model": "builtin:drums",
        "bundle": "drums.mag",
        "bundle_bytes": bundle.stat().st_size,
        "dataset": {
            "name": "Groove MIDI Dataset v1.0.0 (CC BY 4.0)",
            "credit": "Jon Gillick, Adam Roberts, Jesse Engel, Douglas Eck, David Bamman. \"Learning to Groove "
                      "with Inverse Sequence Transformations.\" ICML 2019. Groove MIDI Dataset, CC BY 4.0.",
            "split_source": split.get("source", "info.csv split column"),
            "files": {name: len(files) for name, files in split["files"].items()},
            "drum_tracks": {"test": evaluation["test_tracks"]},
        },
        "hyper_parameters": state["config"],
        "encoding": "drum_kit (9 drum classes, 512 events + 6-bit step counter, 16th-note steps)",
        "training": {"max_steps": SHIPPED["steps"], "steps_trained": state["step"], "best_step": state["best_step"],
                     "stopped": state["stopped"], "seconds": round(state["elapsed"], 1),
                     "best_validation_loss_per_step": state["best_val"], "history": state["history"]},
        "test": {"log_likelihood_per_step": evaluation["test_log_likelihood_per_step"],
                 "steps_scored": evaluation["test_steps_scored"],
                 "musical_rock_funk": evaluation["musical_rock_funk_test"]},
        "validation_log_likelihood_per_step": evaluation["validation_log_likelihood_per_step"],
        "magenta": {"generator_load": evaluation["magenta"],
                    "numpy_agreement_max_step_abs_diff": agreement["max_step_abs_diff"],
                    "numpy_agreement_files": len(agreement["files"]),
                    "files_where_primer_extraction_differs": agreement.get("files_with_different_extraction", [])},
        "speed_numpy_one_core": {k: bench[k] for k in ("p50_ms", "p99_ms", "answer_after_fed_call",
                                                       "first_step_after_call", "load_ms") if k in bench},
        "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    """Train (unless --skip-train), evaluate, and install the model with its record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", type=Path, default=ROOT.parent / "shared" / "data" / "groove-midi")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".model-work" / "train")
    parser.add_argument("--bundle", type=Path, default=None, help="default: WORK_DIR/drums.mag")
    parser.add_argument("--python", default=None,
                        help="TF + Magenta interpreter (default: found like drumbridge train)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-train", action="store_true", help="evaluate and install an already trained bundle")
    parser.add_argument("--no-install", action="store_true", help="leave bridge/models/builtin/ untouched")
    args = parser.parse_args(argv)
    args.python = find_interpreter(args.python).path
    work = args.work_dir.resolve()
    bundle = (args.bundle or work / "drums.mag").resolve()
    if not args.skip_train:
        train(args, bundle, work)
    figures = evaluate(args, bundle, work)
    result = record(bundle, work, figures)
    (work / "results" / "training.json").write_text(json.dumps(result, indent=1) + "\n")
    if not args.no_install:
        BUILTIN.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundle, BUILTIN / "drums.mag")
        (BUILTIN / "training.json").write_text(json.dumps(result, indent=1) + "\n")
        write_unigram_table(work)
    print(json.dumps({"test": result["test"]["log_likelihood_per_step"],
                      "agreement": result["magenta"]["numpy_agreement_max_step_abs_diff"],
                      "p99_ms": result["speed_numpy_one_core"].get("p99_ms")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
