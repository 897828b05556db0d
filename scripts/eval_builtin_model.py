"""Evaluate a drum_kit `.mag` bundle on the test split; prints JSON (run under the TF + Magenta venv).

Figures: mean log-likelihood per step on the test split for the bundle, a bar-position unigram baseline
fitted on train and the same architecture with random weights; musical checks on answers generated
after rock/funk test primers; and that Magenta's own DrumsRnnSequenceGenerator loads and runs it.
Usage: TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/eval_builtin_model.py \
           --bundle bridge/models/builtin/drums.mag --midi-dir ../shared/data/groove-midi [--out eval.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bridge.training import tf_train  # noqa: E402
from bridge.training.baseline import BarPositionUnigram, Score  # noqa: E402
from bridge.training.musical import summarize  # noqa: E402
from bridge.training.split import find_split  # noqa: E402

CALL_STEPS = 32
ANSWER_STEPS = 32


def bundle_checkpoint(bundle_path: Path, folder: Path) -> tuple[str, list[int]]:
    """Write the bundle's checkpoint to `folder`; return its prefix and the LSTM layer sizes."""
    import tensorflow.compat.v1 as tf
    from magenta.models.shared import sequence_generator_bundle

    bundle = sequence_generator_bundle.read_bundle_file(str(bundle_path))
    prefix = folder / "model.ckpt"
    if len(bundle.checkpoint_file) == 1:
        prefix.write_bytes(bundle.checkpoint_file[0])
    else:  # V2: index first, then data shard
        Path(str(prefix) + ".index").write_bytes(bundle.checkpoint_file[0])
        Path(str(prefix) + ".data-00000-of-00001").write_bytes(bundle.checkpoint_file[1])
    reader = tf.train.load_checkpoint(str(prefix))
    sizes = {}
    for name, shape in reader.get_variable_to_shape_map().items():
        if name.endswith("basic_lstm_cell/kernel") and "cell_" in name:
            index = int(name.split("cell_")[1].split("/")[0])
            sizes[index] = shape[1] // 4
    return str(prefix), [sizes[i] for i in sorted(sizes)]


def score_tracks(graph: tf_train.Graph, session, tracks: list[np.ndarray]) -> Score:
    """Log-likelihood of whole tracks, each from the zero state (N events -> N-1 terms)."""
    windows = [t for t in tracks if len(t) >= 2]
    total, count = graph.score(session, windows, batch_size=8)
    return Score(-total, count)


def generate(graph: tf_train.Graph, session, calls: list[np.ndarray], steps: int,
             rng: np.random.Generator, temperature: float = 1.0) -> list[np.ndarray]:
    """Sample `steps` answer events after each call (batch; re-runs the prefix each step)."""
    sequences = np.array(calls, dtype=np.int64)
    for _ in range(steps):
        padded = np.concatenate([sequences, np.zeros((len(sequences), 1), dtype=np.int64)], axis=1)
        inputs, labels, lengths = tf_train.make_batch(list(padded))
        logits = session.run(graph.logits, {graph.inputs: inputs, graph.labels: labels, graph.lengths: lengths})
        last = logits.reshape(len(sequences), -1, tf_train.NUM_CLASSES)[:, -1] / temperature
        probs = np.exp(last - last.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        picks = np.array([rng.choice(tf_train.NUM_CLASSES, p=p) for p in probs])
        sequences = np.concatenate([sequences, picks[:, None]], axis=1)
    return [s[-steps:] for s in sequences]


def rock_funk_phrases(midi_dir: Path, per_track: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(call, real continuation) pairs from rock/funk 'beat' test files, starting on bars 0, 4, 8, ..."""
    table = midi_dir / "info.csv"
    with table.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["split"] == "test" and r["beat_type"] == "beat"
                and r["style"].split("/")[0] in ("rock", "funk") and r["time_signature"] == "4-4"]
    calls, continuations = [], []
    for row in rows:
        tracks, _ = tf_train.extract_tracks([midi_dir / row["midi_filename"]], min_bars=1)
        for track in tracks:
            for k in range(per_track):
                start = 64 * k
                if start + CALL_STEPS + ANSWER_STEPS > len(track):
                    break
                calls.append(track[start:start + CALL_STEPS])
                continuations.append(track[start + CALL_STEPS:start + CALL_STEPS + ANSWER_STEPS])
    return calls, continuations


def magenta_generates(bundle_path: Path) -> dict:
    """Load the bundle in Magenta 2.1.4's DrumsRnnSequenceGenerator and answer a 1-bar rock primer."""
    import note_seq
    from magenta.models.drums_rnn import drums_rnn_sequence_generator
    from magenta.models.shared import sequence_generator_bundle
    from note_seq.protobuf import generator_pb2, music_pb2

    bundle = sequence_generator_bundle.read_bundle_file(str(bundle_path))
    generator = drums_rnn_sequence_generator.get_generator_map()[bundle.generator_details.id](
        checkpoint=None, bundle=bundle)
    generator.initialize()
    primer = music_pb2.NoteSequence()
    primer.tempos.add(qpm=120)
    step = 0.125
    for i in range(16):
        pitches = [42] + ([36] if i in (0, 8) else []) + ([38] if i in (4, 12) else [])
        if i % 2 == 0:
            for pitch in pitches:
                primer.notes.add(pitch=pitch, velocity=100, start_time=i * step, end_time=(i + 1) * step, is_drum=True)
    primer.total_time = 16 * step
    options = generator_pb2.GeneratorOptions()
    options.args["temperature"].float_value = 1.0
    options.generate_sections.add(start_time=16 * step, end_time=48 * step)
    np.random.seed(0)
    started = time.monotonic()
    result = generator.generate(primer, options)
    elapsed = time.monotonic() - started
    answer = [n for n in result.notes if n.start_time >= 16 * step - 1e-6]
    return {"loaded": True, "generator_id": bundle.generator_details.id,
            "description": bundle.bundle_details.description, "answer_notes": len(answer),
            "answer_pitches": sorted({n.pitch for n in answer}), "generate_seconds": round(elapsed, 3),
            "note_seq": note_seq.__version__ if hasattr(note_seq, "__version__") else "0.0.5"}


def main(argv: list[str] | None = None) -> int:
    """Run every check and print (and optionally write) one JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--midi-dir", type=Path, required=True)
    parser.add_argument("--attn-length", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-track", type=int, default=4, help="phrases per rock/funk test track")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature of the musical checks")
    parser.add_argument("--cache-dir", type=Path, default=None, help="reuse the trainer's track cache")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    split = find_split(args.midi_dir)
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="drumbridge-eval-"))
    tracks = tf_train.load_split_tracks({"root": str(split.root), "files": split.files}, cache, min_bars=1)
    report: dict = {"bundle": str(args.bundle), "bundle_bytes": args.bundle.stat().st_size,
                    "split": split.to_json(),
                    "test_tracks": len(tracks["test"]), "test_steps_scored": 0}

    unigram = BarPositionUnigram.fit(tracks["train"])
    baseline = unigram.score(tracks["test"])
    with tempfile.TemporaryDirectory() as folder:
        prefix, layers = bundle_checkpoint(args.bundle, Path(folder))
        report["layers"] = layers
        graph = tf_train.Graph(layers, args.attn_length, 0.001, 3.0, seed=args.seed)
        with graph.session(args.threads) as session:
            session.run(graph.init)
            random_score = score_tracks(graph, session, tracks["test"])
            restorer = graph.tf.train.Saver(var_list=graph.model_vars)
            restorer.restore(session, prefix)
            model_score = score_tracks(graph, session, tracks["test"])
            validation_score = score_tracks(graph, session, tracks["validation"])
            calls, continuations = rock_funk_phrases(args.midi_dir, args.per_track)
            rng = np.random.default_rng(args.seed)
            answers = generate(graph, session, calls, ANSWER_STEPS, rng, args.temperature)
    report["test_steps_scored"] = model_score.steps
    report["test_log_likelihood_per_step"] = {
        "model": model_score.per_step,
        "bar_position_unigram": baseline.per_step,
        "random_weights": random_score.per_step,
        "uniform_512": float(-np.log(512)),
    }
    report["validation_log_likelihood_per_step"] = validation_score.per_step
    report["musical_rock_funk_test"] = summarize(calls, answers, continuations)
    report["musical_rock_funk_test"]["temperature"] = args.temperature
    report["magenta"] = magenta_generates(args.bundle)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
