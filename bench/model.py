"""Benchmark the numpy Magenta models; prints JSON. Not a test: numbers depend on the machine.

    .venv/bin/python bench/model.py [--bundle B.mag] [--steps 32] [--runs 300] [--no-magenta]

Measures, for the default-size drum_kit bundle unless told otherwise, with numpy on one thread:
- oneshot: a 16-step primer fed + `steps` answer steps sampled (p50/p99 ms);
- answer_after_fed_call: the answer alone when the call was fed while it was played (streaming);
- first_step_after_call: feeding the call's last step + sampling the first answer step;
- load_ms: Model.load of the bundle; weights_mb and the extra memory one session allocates;
- magenta: Magenta 2.1.4's own warm generator on the same bundle in the same run, when the
  reference venv exists (MAGENTA_PYTHON, default /work/magenta-venv/bin/python), and the ratios.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: must be set before numpy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.models import Model  # noqa: E402
from bridge.models.timing import demo_primer, percentiles, time_answers  # noqa: E402

DEFAULT_BUNDLE = ROOT / "tests" / "models" / "data" / "bundles" / "drum_kit_default.mag"


def network_bytes(model: Model) -> int:
    """Bytes of every weight array the network holds."""
    return sum(v.nbytes for v in vars(model.network).values() if isinstance(v, np.ndarray)) + \
        sum(a.nbytes for name in ("rec", "bias") for a in getattr(model.network, name))


def time_load(bundle: Path, runs: int = 10) -> dict:
    """Model.load timings."""
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        Model.load(bundle)
        samples.append(time.perf_counter() - t)
    return percentiles(samples)


def session_memory(model: Model, steps: int) -> int:
    """Peak bytes allocated by one streaming session generating `steps` steps."""
    primer = demo_primer(model, 16)
    tracemalloc.start()
    session = model.session()
    session.feed_many(primer)
    session.sample_steps(steps, np.random.default_rng(0))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def magenta(bundle: Path, steps: int, runs: int) -> dict | None:
    """Magenta's warm generator timings from the reference venv, or None if it is not installed."""
    python = os.environ.get("MAGENTA_PYTHON", "/work/magenta-venv/bin/python")
    if not Path(python).exists():
        return None
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)  # Magenta runs as it normally would
    proc = subprocess.run([python, str(ROOT / "scripts" / "magenta_bench.py"), str(bundle), "--steps", str(steps),
                           "--runs", str(runs)], capture_output=True, text=True, env=env, timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--magenta-runs", type=int, default=30)
    parser.add_argument("--no-magenta", action="store_true")
    args = parser.parse_args()

    model = Model.load(args.bundle)
    result = {"bundle": str(args.bundle), "generator_id": model.info.generator_id,
              "layers": list(model.info.layer_sizes), "attn_length": model.info.attn_length,
              "numpy": np.__version__, "threads": 1}
    result.update(time_answers(model, steps=args.steps, primer_steps=16, runs=args.runs))
    result["load_ms"] = time_load(args.bundle)
    result["weights_mb"] = round(network_bytes(model) / 1e6, 2)
    result["session_peak_kb"] = round(session_memory(model, args.steps) / 1e3, 1)
    result["targets"] = {"oneshot_p99_ms": 8.0, "first_step_after_call_p99_ms": 0.5, "load_ms": 300.0}
    if not args.no_magenta:
        reference = magenta(args.bundle, args.steps, args.magenta_runs)
        if reference is not None:
            result["magenta"] = reference
            if "p50_ms" in reference:
                result["speedup_p50"] = round(reference["p50_ms"] / result["p50_ms"], 1)
                result["speedup_p99"] = round(reference["p99_ms"] / result["p99_ms"], 1)
                result["speedup_answer_after_fed_p50"] = round(
                    reference["p50_ms"] / result["answer_after_fed_call"]["p50_ms"], 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
