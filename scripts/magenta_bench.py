"""Time Magenta's own warm generator on a bundle; run in the Magenta venv, called by bench/model.py.

    TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/magenta_bench.py BUNDLE --steps 32 --runs 30

Prints JSON: import_s, first_ms, p50_ms, p99_ms, runs. The primer is the same 16-step pattern as
bridge.models.timing.demo_primer, with the generate section placed so that exactly `steps` steps
are generated after it (Magenta rounds the start step up and the end step down).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--primer-steps", type=int, default=16)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    t0 = time.perf_counter()
    import numpy as np
    import tensorflow.compat.v1 as tf
    from magenta.models.drums_rnn import drums_rnn_sequence_generator
    from magenta.models.melody_rnn import melody_rnn_sequence_generator
    from magenta.models.shared import sequence_generator_bundle
    from note_seq.protobuf import generator_pb2, music_pb2
    import_s = time.perf_counter() - t0
    tf.logging.set_verbosity(tf.logging.ERROR)

    bundle = sequence_generator_bundle.read_bundle_file(args.bundle)
    generator_id = bundle.generator_details.id
    drums = generator_id in ("drum_kit", "one_drum")
    module = drums_rnn_sequence_generator if drums else melody_rnn_sequence_generator
    generator = module.get_generator_map()[generator_id](checkpoint=None, bundle=bundle)
    generator.initialize()

    seconds_per_step = 60.0 / 120.0 / generator.steps_per_quarter
    primer = music_pb2.NoteSequence()
    primer.tempos.add(qpm=120.0)
    drum_pattern = [[36, 42], [], [42], [], [38, 42], [], [42], [36]]
    melody_pattern = [60, None, 64, None, 67, None, 72, None]
    for step in range(args.primer_steps):
        start = step * seconds_per_step
        pitches = drum_pattern[step % 8] if drums else [p for p in [melody_pattern[step % 8]] if p]
        for pitch in pitches:
            primer.notes.add(pitch=pitch, velocity=100, start_time=start, end_time=start + 0.01,
                             is_drum=drums, instrument=9 if drums else 0)
    primer.total_time = args.primer_steps * seconds_per_step
    options = generator_pb2.GeneratorOptions()
    options.args["temperature"].float_value = 1.0
    start_time = args.primer_steps * seconds_per_step - 1e-6
    options.generate_sections.add(start_time=start_time,
                                  end_time=(args.primer_steps + args.steps) * seconds_per_step + 1e-6)

    times = []
    for run in range(args.runs + 1):
        np.random.seed(run)
        t = time.perf_counter()
        generator.generate(primer, options)
        times.append(time.perf_counter() - t)
    first, warm = times[0], np.array(times[1:]) * 1e3
    print(json.dumps({"generator_id": generator_id, "import_s": round(import_s, 3),
                      "first_ms": round(first * 1e3, 3), "p50_ms": round(float(np.percentile(warm, 50)), 3),
                      "p99_ms": round(float(np.percentile(warm, 99)), 3), "runs": args.runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
