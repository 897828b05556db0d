"""Benchmark the built-in drum model (and, for comparison, other candidate bundles); prints JSON.

    .venv/bin/python bench/builtin_model.py [--bundle bridge/models/builtin/drums.mag] [--compare B.mag ...]

For each bundle, numpy on one thread: a 2-bar answer (32 steps after a 16-step primer) one-shot and
with the call already fed (streaming), the first answer step after the call, load time, weight size
and file size. Target (DESIGN.md): 2-bar answer <= 8 ms p99 on one core. Not a test.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.models import Model  # noqa: E402
from bridge.models.timing import time_answers  # noqa: E402

BUILTIN = ROOT / "bridge" / "models" / "builtin" / "drums.mag"


def bench(bundle: Path, runs: int) -> dict:
    """Timings and sizes for one bundle."""
    started = time.perf_counter()
    model = Model.load(bundle)
    load_ms = (time.perf_counter() - started) * 1e3
    result = {"bundle": str(bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle),
              "layers": list(model.info.layer_sizes), "attn_length": model.info.attn_length,
              "file_mb": round(bundle.stat().st_size / 1e6, 3), "load_ms": round(load_ms, 1)}
    result.update(time_answers(model, steps=32, primer_steps=16, runs=runs))
    result["target_oneshot_p99_ms"] = 8.0
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=BUILTIN)
    parser.add_argument("--compare", type=Path, nargs="*", default=[])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    results = [bench(path.resolve(), args.runs) for path in [args.bundle, *args.compare]]
    print(json.dumps(results[0] if len(results) == 1 else results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
