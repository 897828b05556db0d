"""Check that Magenta 2.1.4 loads a drum bundle and that drumbridge's numpy `model score` agrees with it.

Run with drumbridge's venv; it runs its Magenta half under the Magenta venv (--magenta-python,
default $MAGENTA_PYTHON or /work/magenta-venv/bin/python) and prints JSON:

    .venv/bin/python scripts/eval_magenta_agreement.py --bundle bridge/models/builtin/drums.mag \
        MIDI [MIDI ...] [--out agreement.json]

For every MIDI file: Magenta's per-step log-probabilities (its generator's primer extraction, the
model's softmax over the encoder's inputs, and `drum_track_log_likelihood` for the total) against
`bridge.models.Model.score`; reports the largest per-step difference and the totals.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MAGENTA_PYTHON = os.environ.get("MAGENTA_PYTHON", "/work/magenta-venv/bin/python")


def magenta_side(bundle: str, midi_files: list[str]) -> dict:
    """Under the Magenta venv: load the bundle in DrumsRnnSequenceGenerator and score each file."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import copy

    import note_seq
    import numpy as np
    from magenta.models.drums_rnn import drums_rnn_model, drums_rnn_sequence_generator
    from magenta.models.shared import sequence_generator_bundle
    from magenta.pipelines import drum_pipelines

    bundle_proto = sequence_generator_bundle.read_bundle_file(bundle)
    config = copy.deepcopy(drums_rnn_model.default_configs[bundle_proto.generator_details.id])
    config.hparams.batch_size = 1
    generator = drums_rnn_sequence_generator.DrumsRnnSequenceGenerator(
        drums_rnn_model.DrumsRnnModel(config), config.details, steps_per_quarter=config.steps_per_quarter,
        bundle=bundle_proto)
    generator.initialize()
    model = generator._model  # the generator's loaded EventSequenceRnnModel
    graph = model._session.graph
    encoder = config.encoder_decoder
    out = {"generator_id": bundle_proto.generator_details.id, "files": {}}
    for path in midi_files:
        sequence = note_seq.midi_file_to_note_sequence(path)
        quantized = note_seq.quantize_note_sequence(sequence, generator.steps_per_quarter)
        tracks, _ = drum_pipelines.extract_drum_tracks(
            quantized, search_start_step=0, min_bars=0, gap_bars=float("inf"), ignore_is_drum=True)
        track = tracks[0]
        inputs = encoder.get_inputs_batch([track], full_length=True)[0]
        feed = {graph.get_collection("inputs")[0]: [inputs[:-1]],
                tuple(graph.get_collection("initial_state")):
                    model._session.run(graph.get_collection("initial_state")),
                graph.get_collection("temperature")[0]: 1.0}
        softmax = model._session.run(graph.get_collection("softmax")[0], feed)[0]
        labels = [encoder.events_to_label(track, i) for i in range(len(track))]
        steps = [float(np.log(softmax[t][labels[t + 1]])) for t in range(len(track) - 1)]
        out["files"][path] = {"step_log_probs": steps, "extracted": [sorted(e) for e in track],
                              "log_likelihood": float(model.drum_track_log_likelihood(track)),
                              "events": len(track)}
    generator.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run both halves and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", required=True)
    parser.add_argument("midi", nargs="+")
    parser.add_argument("--magenta-python", default=DEFAULT_MAGENTA_PYTHON)
    parser.add_argument("--magenta-side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    midi = [str(Path(m).resolve()) for m in args.midi]
    if args.magenta_side:
        print(json.dumps(magenta_side(args.bundle, midi)))
        return 0

    sys.path.insert(0, str(ROOT))
    import numpy as np

    from bridge.models import Model
    from bridge.models.sequences import read_track

    result = subprocess.run([args.magenta_python, __file__, "--magenta-side", "--bundle", args.bundle, *midi],
                            capture_output=True, text=True, env={**os.environ, "TF_USE_LEGACY_KERAS": "1"})
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return 1
    reference = json.loads(result.stdout.strip().splitlines()[-1])
    model = Model.load(args.bundle)
    report = {"bundle": args.bundle, "magenta_loaded": True, "generator_id": reference["generator_id"],
              "files": {}}
    worst = 0.0
    extraction_differs = []
    for path in midi:
        events = read_track(path, drums=True, steps_per_quarter=4).events
        mine = model.score(events)
        theirs = reference["files"][path]
        same_events = [sorted(e) for e in events] == theirs["extracted"]
        diff = np.abs(np.asarray(theirs["step_log_probs"]) - mine.step_log_probs)
        if same_events:
            worst = max(worst, float(diff.max()) if diff.size else 0.0)
        else:
            # The primer readers disagree (e.g. a hit at a float-rounded half step): not a model difference.
            extraction_differs.append(Path(path).name)
        report["files"][Path(path).name] = {
            "same_extracted_events": same_events,
            "steps": mine.steps, "magenta_steps": len(theirs["step_log_probs"]),
            "max_step_abs_diff": float(diff.max()) if diff.size else 0.0,
            "numpy_log_likelihood": mine.log_likelihood, "magenta_log_likelihood": theirs["log_likelihood"],
            "numpy_per_step": mine.log_likelihood / max(mine.steps, 1)}
    report["max_step_abs_diff"] = worst  # over files whose extracted events are identical
    report["within_1e-4"] = worst <= 1e-4
    report["files_with_different_extraction"] = extraction_differs
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
