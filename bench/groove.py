"""Benchmark the groove model: quality on GMD test-split 4/4 beats and the latency of grooving a 2-bar answer.

    .venv/bin/python bench/groove.py [--model builtin:groove] [--midi-dir ../shared/data/groove-midi]

Quality (skipped without the dataset): velocity / offset MAE with --mean vs the per-(class, 16th position)
train-mean baseline, and sampled per-class spread vs the drummers'. Latency: predict + realise a 32-step
pattern on one thread. Targets: ratios ≤ 0.85 / ≤ 0.95, spreads 0.7–1.3, p99 ≤ 1 ms. Not a test.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: set before numpy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.groove.humanizer import groove_pattern  # noqa: E402
from bridge.groove.registry import load_groove  # noqa: E402


def latency(model, runs: int) -> dict:
    """p50/p99 ms of grooving a 2-bar (32-step) answer with a 16-step call as context, sampled."""
    rng = np.random.default_rng(0)
    times = []
    for run in range(runs + 20):
        hits = rng.random((32, 9)) < 0.15
        call = rng.random((16, 9)) < 0.15
        started = time.perf_counter()
        groove_pattern(model, hits, qpm=120.0, seed=run, context=call)
        times.append((time.perf_counter() - started) * 1e3)
    times = np.array(times[20:])
    return {"two_bar_p50_ms": round(float(np.percentile(times, 50)), 4),
            "two_bar_p99_ms": round(float(np.percentile(times, 99)), 4), "target_p99_ms": 1.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="builtin:groove")
    parser.add_argument("--midi-dir", type=Path, default=ROOT.parent / "shared" / "data" / "groove-midi")
    parser.add_argument("--cache", type=Path, default=None, help="performances cache (.npz)")
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    model = load_groove(args.model)
    result: dict = {"model": args.model}
    result.update(latency(model, args.runs))
    if args.midi_dir.is_dir():
        from bridge.groove.dataset import load_splits
        from bridge.groove.evaluate import quality

        sets, _ = load_splits(args.midi_dir, args.cache)
        result["quality"] = quality(model, sets["train"], sets["test"].beats_only())
        result["quality"]["targets"] = {"velocity_ratio": 0.85, "offset_ratio": 0.95, "spread": [0.7, 1.3]}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
