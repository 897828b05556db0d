"""The TensorFlow trainer for drum_kit models; runs only under a TF + Magenta interpreter, never in `drumbridge run`.

Invoked as `python -m bridge.training.tf_train ...` by `bridge.training.runner`. It prints one JSON
object per line on stdout (events: data, progress, eval, stopped, done) for the parent to render.
The graph is built with Magenta's own `make_rnn_cell` and `tf_slim` linear layer under the same
variable names as Magenta's generate graph, so the best checkpoint becomes a standard `.mag` bundle
through Magenta's `DrumsRnnSequenceGenerator.create_bundle_file`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

NUM_CLASSES = 512
COUNTER_BITS = 6
INPUT_SIZE = NUM_CLASSES + COUNTER_BITS
STEPS_PER_QUARTER = 4
STEP_LIMIT = "reached the step limit"


def emit(event: str, **fields) -> None:
    """One JSON line on stdout for the parent process."""
    print(json.dumps({"event": event, **fields}), flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the trainer (the parent passes them through from `drumbridge train`)."""
    parser = argparse.ArgumentParser(prog="tf_train")
    parser.add_argument("--split-json", required=True, help="JSON with root and files per split")
    parser.add_argument("--work-dir", required=True, help="checkpoints, cache and state (resumable)")
    parser.add_argument("--out", required=True, help="the .mag bundle to write")
    parser.add_argument("--config", default="drum_kit")
    parser.add_argument("--layers", default="256,256,256")
    parser.add_argument("--attn-length", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--crop-steps", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--dropout-keep", type=float, default=0.5)
    parser.add_argument("--clip-norm", type=float, default=3.0)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--min-bars", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--description", default="drum_kit model trained by drumbridge")
    return parser.parse_args(argv)


# --- data -------------------------------------------------------------------------------------


def extract_tracks(paths: list[Path], min_bars: int) -> tuple[list[np.ndarray], int]:
    """Drum tracks (drum_kit class indices per 16th step) from MIDI files, as Magenta's pipeline reads them."""
    import note_seq
    from magenta.pipelines import drum_pipelines
    from note_seq import sequences_lib

    encoding = note_seq.MultiDrumOneHotEncoding()
    tracks: list[np.ndarray] = []
    skipped = 0
    for path in paths:
        try:
            sequence = note_seq.midi_file_to_note_sequence(str(path))
            for part in sequences_lib.split_note_sequence_on_time_changes(sequence):
                quantized = sequences_lib.quantize_note_sequence(part, STEPS_PER_QUARTER)
                found, _ = drum_pipelines.extract_drum_tracks(quantized, min_bars=min_bars, gap_bars=1.0)
                for track in found:
                    tracks.append(np.array([encoding.encode_event(e) for e in track], dtype=np.int16))
        except Exception as error:  # a broken file must not stop training; it is counted and reported
            skipped += 1
            emit("skip", file=str(path), reason=f"{type(error).__name__}: {error}")
    return tracks, skipped


def load_split_tracks(split: dict, work_dir: Path, min_bars: int) -> dict[str, list[np.ndarray]]:
    """Tracks per split, cached in the work dir keyed by the file lists."""
    root = Path(split["root"])
    result: dict[str, list[np.ndarray]] = {}
    for name in ("train", "validation", "test"):
        files = split["files"].get(name, [])
        key = hashlib.sha1(json.dumps([str(root), files, min_bars]).encode()).hexdigest()[:16]
        cache = work_dir / f"tracks-{name}-{key}.npz"
        if cache.exists():
            with np.load(cache) as data:
                result[name] = [data[k] for k in sorted(data.files, key=int)]
            continue
        started = time.monotonic()
        tracks, skipped = extract_tracks([root / f for f in files], min_bars)
        np.savez(cache, **{str(i): t for i, t in enumerate(tracks)})  # type: ignore[arg-type]  # stub: **kwds as allow_pickle
        result[name] = tracks
        emit("data", split=name, files=len(files), tracks=len(tracks), skipped=skipped,
             steps=int(sum(len(t) for t in tracks)), seconds=round(time.monotonic() - started, 1))
    return result


def counter_bits(length: int) -> np.ndarray:
    """Magenta's binary counter inputs for positions 0..length-1 (n = position + 1; bit set -> 1, else -1)."""
    n = np.arange(1, length + 1)[:, None]
    bits = (n // (2 ** np.arange(COUNTER_BITS))[None, :]) % 2
    return np.where(bits == 1, 1.0, -1.0).astype(np.float32)


def make_batch(windows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs [B,T,518], labels [B,T] and lengths [B] for event windows (each scored from the zero state)."""
    lengths = np.array([len(w) - 1 for w in windows], dtype=np.int32)
    width = int(lengths.max())
    inputs = np.zeros((len(windows), width, INPUT_SIZE), dtype=np.float32)
    labels = np.zeros((len(windows), width), dtype=np.int64)
    counters = counter_bits(width)
    for row, window in enumerate(windows):
        n = len(window) - 1
        inputs[row, np.arange(n), window[:-1]] = 1.0
        inputs[row, :n, NUM_CLASSES:] = counters[:n]
        labels[row, :n] = window[1:]
    return inputs, labels, lengths


def sample_windows(tracks: list[np.ndarray], count: int, crop: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random training windows: a track chosen by length, a start on a bar line (16 steps), crop+1 events."""
    weights = np.array([max(len(t) - 1, 0) for t in tracks], dtype=np.float64)
    picks = rng.choice(len(tracks), size=count, p=weights / weights.sum())
    windows = []
    for index in picks:
        track = tracks[index]
        bars = max((len(track) - 2) // 16, 0)
        start = 16 * int(rng.integers(0, bars + 1))
        windows.append(track[start:start + crop + 1])
    return windows


def fixed_windows(tracks: list[np.ndarray], length: int) -> list[np.ndarray]:
    """Every track cut into consecutive windows of `length` steps (bar-aligned), for validation loss."""
    windows = []
    for track in tracks:
        for start in range(0, len(track) - 1, length):
            window = track[start:start + length + 1]
            if len(window) >= 2:
                windows.append(window)
    return windows


# --- graph ------------------------------------------------------------------------------------


class Graph:
    """The training/scoring graph with Magenta's variable names (rnn/..., fully_connected/...)."""

    def __init__(self, layers: list[int], attn_length: int, learning_rate: float, clip_norm: float, seed: int):
        import tensorflow.compat.v1 as tf
        import tf_slim
        from magenta.models.shared import events_rnn_graph

        tf.disable_v2_behavior()
        self.tf = tf
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(seed)
            self.inputs = tf.placeholder(tf.float32, [None, None, INPUT_SIZE], name="inputs")
            self.labels = tf.placeholder(tf.int64, [None, None], name="labels")
            self.lengths = tf.placeholder(tf.int32, [None], name="lengths")
            self.keep = tf.placeholder_with_default(1.0, [], name="keep")
            cell = events_rnn_graph.make_rnn_cell(layers, dropout_keep_prob=self.keep, attn_length=attn_length)
            initial = cell.zero_state(tf.shape(self.inputs)[0], tf.float32)
            outputs, _ = tf.nn.dynamic_rnn(cell, self.inputs, sequence_length=self.lengths,
                                           initial_state=initial, swap_memory=True)
            mask = tf.sequence_mask(self.lengths, tf.shape(self.inputs)[1])
            logits = tf_slim.layers.linear(tf.boolean_mask(outputs, mask), NUM_CLASSES)
            self.logits = logits  # [sum(lengths), 512], row-major over (sequence, step)
            xent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.boolean_mask(self.labels, mask), logits=logits)
            self.loss = tf.reduce_mean(xent)
            self.loss_sum = tf.reduce_sum(xent)
            self.count = tf.size(xent)
            self.model_vars = tf.global_variables()
            optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
            # Per-variable norm clipping, as tf_slim's create_train_op(clip_gradient_norm=...) in Magenta.
            self.global_step = tf.train.get_or_create_global_step()
            grads = [(tf.clip_by_norm(g, clip_norm), v) for g, v in optimizer.compute_gradients(self.loss)
                     if g is not None]
            with tf.control_dependencies([optimizer.apply_gradients(grads, global_step=self.global_step)]):
                self.train_op = tf.identity(self.loss)
            self.init = tf.global_variables_initializer()
            self.saver_last = tf.train.Saver(max_to_keep=1)
            self.saver_best = tf.train.Saver(var_list=self.model_vars, max_to_keep=1)

    def session(self, threads: int):
        """A session limited to `threads` intra-op and inter-op threads."""
        config = self.tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
        return self.tf.Session(graph=self.graph, config=config)

    def score(self, session, windows: list[np.ndarray], batch_size: int) -> tuple[float, int]:
        """Sum of -log p over all scored steps of `windows`, and the number of steps (no dropout)."""
        total, count = 0.0, 0
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        for first in range(0, len(order), batch_size):
            inputs, labels, lengths = make_batch([windows[i] for i in order[first:first + batch_size]])
            loss_sum, n = session.run([self.loss_sum, self.count],
                                      {self.inputs: inputs, self.labels: labels, self.lengths: lengths})
            total += float(loss_sum)
            count += int(n)
        return total, count


# --- bundle -----------------------------------------------------------------------------------


def export_bundle(checkpoint: str, layers: list[int], attn_length: int, out: Path, description: str) -> None:
    """Write a Magenta `.mag` bundle from a checkpoint, with Magenta's own generator (batch size 1)."""
    import copy

    from magenta.models.drums_rnn import drums_rnn_model, drums_rnn_sequence_generator

    config = copy.deepcopy(drums_rnn_model.default_configs["drum_kit"])
    config.hparams.set_hparam("rnn_layer_sizes", layers)
    config.hparams.set_hparam("attn_length", attn_length)
    config.hparams.set_hparam("batch_size", 1)
    config.details.description = description
    generator = drums_rnn_sequence_generator.DrumsRnnSequenceGenerator(
        model=drums_rnn_model.DrumsRnnModel(config), details=config.details,
        steps_per_quarter=config.steps_per_quarter, checkpoint=checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    generator.create_bundle_file(str(out), description)


# --- training loop ----------------------------------------------------------------------------


def run_config(args: argparse.Namespace, layers: list[int]) -> dict:
    """The options that must match for a checkpoint to be resumed."""
    return {"config": args.config, "layers": layers, "attn_length": args.attn_length,
            "batch_size": args.batch_size, "crop_steps": args.crop_steps,
            "learning_rate": args.learning_rate, "dropout_keep": args.dropout_keep,
            "clip_norm": args.clip_norm, "min_bars": args.min_bars, "seed": args.seed}


def train(args: argparse.Namespace) -> int:
    """Train with early stopping on validation loss, resumably; export the best checkpoint as a bundle."""
    if args.config != "drum_kit":
        emit("error", message=f"config {args.config!r} is not supported (only drum_kit)")
        return 2
    layers = [int(x) for x in args.layers.split(",")]
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    split = json.loads(Path(args.split_json).read_text())
    tracks = load_split_tracks(split, work, args.min_bars)
    train_tracks = [t for t in tracks["train"] if len(t) >= 2]
    val_windows = fixed_windows(tracks["validation"], 512)
    if not train_tracks or not val_windows:
        emit("error", message="no usable drum tracks in the training or validation files")
        return 2

    config = run_config(args, layers)
    state_path = work / "state.json"
    state: dict[str, Any] = {"config": config, "step": 0, "best_val": None, "best_step": None, "bad_evals": 0,
             "history": [], "stopped": None, "elapsed": 0.0}
    resumed = False
    if state_path.exists():
        previous = json.loads(state_path.read_text())
        if previous.get("config") == config:
            state, resumed = previous, True
            if state["stopped"] == STEP_LIMIT and state["step"] < args.steps:
                state["stopped"] = None  # a larger --steps continues; an early stop stays final
        else:
            emit("warning", message="work dir holds a run with other options; starting afresh")

    graph = Graph(layers, args.attn_length, args.learning_rate, args.clip_norm, args.seed)
    rng = np.random.default_rng([args.seed, state["step"]])
    with graph.session(args.threads) as session:
        session.run(graph.init)
        last = graph.tf.train.latest_checkpoint(str(work / "last"))
        if resumed and last:
            graph.saver_last.restore(session, last)
            emit("resumed", step=state["step"], best_val=state["best_val"])
        elif resumed:
            state = {**state, "step": 0, "best_val": None, "best_step": None, "bad_evals": 0, "history": []}

        def evaluate() -> float:
            total, count = graph.score(session, val_windows, args.batch_size)
            return total / count

        if state["step"] == 0 and state["best_val"] is None:
            initial = evaluate()
            state["history"].append({"step": 0, "val_loss": initial})
            emit("eval", step=0, val_loss=initial, best_val=None)
        started = time.monotonic() - state["elapsed"]
        first_step, first_elapsed = state["step"], state["elapsed"]
        losses: list[float] = []
        while state["step"] < args.steps and state["stopped"] is None:
            inputs, labels, lengths = make_batch(sample_windows(train_tracks, args.batch_size, args.crop_steps, rng))
            loss = session.run(graph.train_op, {graph.inputs: inputs, graph.labels: labels,
                                                graph.lengths: lengths, graph.keep: args.dropout_keep})
            state["step"] += 1
            losses.append(float(loss))
            elapsed = time.monotonic() - started
            rate = (state["step"] - first_step) / max(elapsed - first_elapsed, 1e-9)
            emit("progress", step=state["step"], steps=args.steps, loss=float(loss),
                 val_loss=state["best_val"], elapsed=elapsed,
                 eta=(args.steps - state["step"]) / rate if rate > 0 else None)
            if state["step"] % args.eval_every == 0 or state["step"] == args.steps:
                val = evaluate()
                train_loss = float(np.mean(losses[-args.eval_every:]))
                improved = state["best_val"] is None or val < state["best_val"]
                if improved:
                    state.update(best_val=val, best_step=state["step"], bad_evals=0)
                    graph.saver_best.save(session, str(work / "best" / "model.ckpt"))
                else:
                    state["bad_evals"] += 1
                state["history"].append({"step": state["step"], "train_loss": train_loss, "val_loss": val})
                emit("eval", step=state["step"], loss=train_loss, val_loss=val, best_val=state["best_val"],
                     best_step=state["best_step"])
                if state["bad_evals"] >= args.patience:
                    state["stopped"] = f"early stop: no validation improvement in {args.patience} evaluations"
                state["elapsed"] = time.monotonic() - started
                graph.saver_last.save(session, str(work / "last" / "model.ckpt"), global_step=state["step"])
                state_path.write_text(json.dumps(state, indent=1))
        if state["stopped"] is None:
            state["stopped"] = STEP_LIMIT
        state_path.write_text(json.dumps(state, indent=1))
        emit("stopped", step=state["step"], reason=state["stopped"])

    best = graph.tf.train.latest_checkpoint(str(work / "best"))
    if best is None:
        emit("error", message="no validated checkpoint to export (train for at least --eval-every steps)")
        return 2
    export_bundle(best, layers, args.attn_length, Path(args.out), args.description)
    emit("done", out=args.out, best_step=state["best_step"], best_val=state["best_val"],
         steps=state["step"], stopped=state["stopped"], elapsed=state["elapsed"],
         config=config, history=state["history"],
         data={name: {"tracks": len(t), "steps": int(sum(len(x) for x in t))} for name, t in tracks.items()})
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point under the TF interpreter."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return train(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
