"""Regenerate the Magenta reference data for tests/models: bundles, MIDI fixtures and real-Magenta outputs.

Run in the Magenta reference venv (scripts/magenta_venv.sh), never from drumbridge itself:

    TF_USE_LEGACY_KERAS=1 /work/magenta-venv/bin/python scripts/magenta_reference.py [--out tests/models/data]

It writes, deterministically:
- midi/*.mid: primer/score fixtures (off-grid timing, late starts, unknown drums, chords, out-of-range notes);
- bundles/<name>.mag: random-weight bundles of every supported generator, written by Magenta's own
  `create_bundle_file` (V1 checkpoint + metagraph), in both checkpoint layouts:
  `first` = Magenta 2.1.x (attention wrapper on the first cell), `wrapped` = the published pre-trained
  bundles (attention wrapper around the whole MultiRNNCell);
- reference/<name>.json: for each MIDI fixture, what Magenta's generator extracts (events, transposition),
  encoder inputs and labels, per-step log-probabilities and the total log-likelihood computed by
  `EventSequenceRnnModel._evaluate_log_likelihood`, softmaxes at other temperatures, and the primer/length
  Magenta's generator computes for an off-grid generate section.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mido  # noqa: E402
import note_seq  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402
from magenta.contrib import rnn as contrib_rnn  # noqa: E402
from magenta.models.drums_rnn import drums_rnn_model, drums_rnn_sequence_generator  # noqa: E402
from magenta.models.melody_rnn import melody_rnn_model, melody_rnn_sequence_generator  # noqa: E402
from magenta.models.shared import events_rnn_graph, sequence_generator_bundle  # noqa: E402
from magenta.pipelines import drum_pipelines, melody_pipelines  # noqa: E402
from note_seq.protobuf import generator_pb2  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)

DRUM_IDS = ("drum_kit", "one_drum")
MELODY_IDS = ("basic_rnn", "lookback_rnn", "attention_rnn")

# name, generator id, layout, layer sizes, attention length
BUNDLES = [
    ("drum_kit_small_first", "drum_kit", "first", [24, 16], 8),
    ("drum_kit_small_wrapped", "drum_kit", "wrapped", [16, 24, 20], 6),
    ("drum_kit_noattn", "drum_kit", "first", [16], 0),
    ("one_drum_small", "one_drum", "first", [12, 12], 0),
    ("basic_rnn_small", "basic_rnn", "first", [16, 16], 0),
    ("lookback_rnn_small", "lookback_rnn", "first", [20, 12], 0),
    ("attention_rnn_small_first", "attention_rnn", "first", [16, 16], 5),
    ("attention_rnn_small_wrapped", "attention_rnn", "wrapped", [12, 16], 7),
    ("drum_kit_default", "drum_kit", "first", [256, 256, 256], 32),
]

DRUM_MIDI = ["drums_groove.mid", "drums_offgrid_channel0.mid", "drums_long.mid"]
MELODY_MIDI = ["melody_simple.mid", "melody_transpose.mid", "melody_low_poly.mid"]


def base_config(generator_id):
    """A deep copy of Magenta's default config for a generator id."""
    if generator_id in DRUM_IDS:
        return copy.deepcopy(drums_rnn_model.default_configs[generator_id])
    return copy.deepcopy(melody_rnn_model.default_configs[generator_id])


def wrapped_make_rnn_cell(rnn_layer_sizes, dropout_keep_prob=1.0, attn_length=0,
                          base_cell=tf.nn.rnn_cell.BasicLSTMCell, residual_connections=False):
    """The pre-2.x Magenta cell: the attention wrapper around the whole multi-cell (published bundles)."""
    cells = [tf.nn.rnn_cell.DropoutWrapper(base_cell(size), output_keep_prob=dropout_keep_prob)
             for size in rnn_layer_sizes]
    cell = tf.nn.rnn_cell.MultiRNNCell(cells)
    if attn_length:
        cell = contrib_rnn.AttentionCellWrapper(cell, attn_length, state_is_tuple=True)
    return cell


def make_generator(config, checkpoint=None, bundle=None):
    """Magenta's own sequence generator for a config, as its generator map would build it."""
    if config.details.id in DRUM_IDS:
        return drums_rnn_sequence_generator.DrumsRnnSequenceGenerator(
            drums_rnn_model.DrumsRnnModel(config), config.details,
            steps_per_quarter=config.steps_per_quarter, checkpoint=checkpoint, bundle=bundle)
    return melody_rnn_sequence_generator.MelodyRnnSequenceGenerator(
        melody_rnn_model.MelodyRnnModel(config), config.details,
        steps_per_quarter=config.steps_per_quarter, checkpoint=checkpoint, bundle=bundle)


def random_value(rng, name, shape, softmax_gain):
    """Random weights on a 2^-8 grid (so git compresses the bundles well)."""
    if len(shape) == 1 and ("bias" in name):
        value = rng.standard_normal(shape) * 0.2
    else:
        fan_in = shape[-2] if len(shape) >= 2 else shape[0]
        value = rng.standard_normal(shape) / np.sqrt(fan_in)
        if "fully_connected" in name:
            value *= softmax_gain
    return (np.round(value * 256) / 256).astype(np.float32)


def make_bundle(name, generator_id, layout, layer_sizes, attn_length, out_path, seed):
    """Write a random-weight bundle through Magenta's create_bundle_file."""
    config = base_config(generator_id)
    config.hparams.rnn_layer_sizes = layer_sizes
    config.hparams.attn_length = attn_length
    config.hparams.batch_size = 1
    original = events_rnn_graph.make_rnn_cell
    if layout == "wrapped":
        events_rnn_graph.make_rnn_cell = wrapped_make_rnn_cell
    try:
        rng = np.random.default_rng(seed)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "train.ckpt")
            with tf.Graph().as_default():
                events_rnn_graph.get_build_graph_fn("generate", config)()
                with tf.Session() as session:
                    session.run(tf.global_variables_initializer())
                    for var in tf.global_variables():
                        shape = var.shape.as_list()
                        var.load(random_value(rng, var.op.name, shape, 4.0), session)
                    tf.train.Saver().save(session, prefix)
            generator = make_generator(config, checkpoint=prefix)
            generator.create_bundle_file(out_path, f"drumbridge reference bundle {name} ({layout} layout)")
            generator.close()
    finally:
        events_rnn_graph.make_rnn_cell = original


def write_midi_fixtures(midi_dir):
    """Small deterministic MIDI files that exercise Magenta's extraction rules."""
    os.makedirs(midi_dir, exist_ok=True)
    tpq = 480
    rng = np.random.default_rng(7)

    def save(filename, notes, bpm=120, channel=9, time_sig=None):
        mid = mido.MidiFile(ticks_per_beat=tpq)
        track = mido.MidiTrack()
        mid.tracks.append(track)
        track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
        if time_sig:
            track.append(mido.MetaMessage("time_signature", numerator=time_sig[0], denominator=time_sig[1], time=0))
        events = []
        for start, end, pitch, velocity in notes:
            events.append((int(start), 1, pitch, velocity))
            events.append((int(end), 0, pitch, 0))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        now = 0
        for tick, is_on, pitch, velocity in events:
            kind = "note_on"
            if not is_on:
                # alternate note_off and note_on velocity 0, as real files do
                kind = "note_off" if pitch % 2 else "note_on"
            track.append(mido.Message(kind, note=pitch, velocity=velocity if is_on else 0,
                                      channel=channel, time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=tpq))
        mid.save(os.path.join(midi_dir, filename))

    sixteenth = tpq // 4
    # 2 bars of groove starting in bar 2 (index 1), jittered by up to ~35% of a 16th, ending mid-bar.
    notes = []
    pattern = {0: [36, 42], 2: [42], 4: [38, 42], 6: [42, 46], 7: [36], 8: [36, 42], 10: [42, 21],
               12: [38, 42], 13: [45], 14: [50, 48], 15: [49]}
    for bar in (1, 2):
        for step, pitches in pattern.items():
            if bar == 2 and step > 9:
                continue
            jitter = int(rng.integers(-60, 61)) // 2
            start = (bar * 16 + step) * sixteenth + jitter
            for p in pitches:
                notes.append((start, start + sixteenth // 2, p, 100))
    notes.append((2 * 16 * sixteenth + 11 * sixteenth, 2 * 16 * sixteenth + 12 * sixteenth, 51, 90))
    save("drums_groove.mid", notes)

    # Off-grid near half steps, 100 bpm, channel 0 (Magenta ignores is_drum when priming).
    notes = []
    for i, step in enumerate([0, 3, 4, 6, 9, 11, 12, 14, 17, 20, 22, 25]):
        off = [0.45, -0.45, 0.3, -0.2, 0.49, -0.49][i % 6]
        start = int((step + 4 + off) * sixteenth)
        notes.append((start, start + 30, [36, 38, 42, 51, 45, 53][i % 6], 80))
    save("drums_offgrid_channel0.mid", notes, bpm=100, channel=0)

    # 6 bars so attention (32 steps) and the step counter wrap.
    notes = []
    for step in range(6 * 16 - 3):
        pitches = [p for p in (36, 38, 42, 46, 49, 51, 45, 48, 50) if rng.random() < 0.18]
        start = step * sixteenth + int(rng.integers(-40, 41))
        start = max(start, 0)
        for p in pitches:
            notes.append((start, start + 60, p, int(rng.integers(40, 127))))
    save("drums_long.mid", notes, bpm=132)

    # Melody in range, with rests and a repeated phrase (lookback repeats).
    phrase = [(0, 2, 60), (2, 4, 62), (4, 8, 64), (10, 12, 67), (12, 16, 65)]
    notes = []
    for bar in range(4):
        base = bar * 16 if bar != 2 else 16 * 2
        for s, e, p in phrase:
            if bar == 3 and s >= 10:
                continue
            notes.append(((base + s) * sixteenth + 10, (base + e) * sixteenth - 20, p + (2 if bar == 3 else 0), 90))
    save("melody_simple.mid", notes, channel=0)

    # High melody in E major starting in bar 2, with a chord (polyphony ignored), 90 bpm, 3/4 is avoided.
    notes = []
    seq = [88, 90, 92, 93, 95, 97, 99, 100, 99, 97, 95, 93, 92, 90, 88, 95]
    for i, p in enumerate(seq):
        start = (16 + i * 3) * sixteenth + int(rng.integers(-50, 51))
        end = start + 2 * sixteenth + int(rng.integers(-30, 31))
        notes.append((start, end, p, 100))
        if i == 5:
            notes.append((start, end, p - 4, 100))  # same start: lower pitch is ignored
    for i, p in enumerate(seq[:8]):
        start = (16 + 48 + 16 + i * 3) * sixteenth
        notes.append((start, start + 2 * sixteenth, p, 100))
    save("melody_transpose.mid", notes, bpm=90, channel=0)

    # Low melody with overlapping notes (a new note cuts the previous), below the model range.
    notes = []
    pitches = [30, 33, 35, 37, 38, 42, 40, 38, 35, 33, 30, 45]
    t = 2 * sixteenth
    for i, p in enumerate(pitches):
        length = [3, 5, 2, 6, 4, 2][i % 6] * sixteenth
        notes.append((t, t + length + (sixteenth if i % 3 == 0 else 0), p, 70))
        t += length
    save("melody_low_poly.mid", notes, bpm=140, channel=0)


def extract(generator, midi_path):
    """What Magenta's generator extracts from a MIDI file (as its _generate does for a primer)."""
    sequence = note_seq.midi_file_to_note_sequence(midi_path)
    quantized = note_seq.quantize_note_sequence(sequence, generator.steps_per_quarter)
    if generator.details.id in DRUM_IDS:
        tracks, _ = drum_pipelines.extract_drum_tracks(
            quantized, search_start_step=0, min_bars=0, gap_bars=float("inf"), ignore_is_drum=True)
    else:
        tracks, _ = melody_pipelines.extract_melodies(
            quantized, search_start_step=0, min_bars=0, min_unique_pitches=1,
            gap_bars=float("inf"), ignore_polyphonic_notes=True)
    assert len(tracks) == 1, midi_path
    return sequence, tracks[0]


def event_json(event):
    return sorted(event) if isinstance(event, frozenset) else int(event)


def sparse(vector):
    return [[i, float(v)] for i, v in enumerate(vector) if v != 0.0]


def run_softmax(model, inputs, temperature):
    graph = model._session.graph
    feed = {graph.get_collection("inputs")[0]: [inputs],
            tuple(graph.get_collection("initial_state")): model._session.run(graph.get_collection("initial_state"))}
    temperature_tensor = graph.get_collection("temperature")
    if temperature_tensor:
        feed[temperature_tensor[0]] = temperature
    return model._session.run(graph.get_collection("softmax")[0], feed)[0]


def reference_for(bundle_path, midi_dir, midi_names):
    """Real-Magenta outputs for one bundle over MIDI fixtures."""
    bundle = sequence_generator_bundle.read_bundle_file(bundle_path)
    config = base_config(bundle.generator_details.id)
    config.hparams.batch_size = 1
    generator = make_generator(config, bundle=bundle)
    generator.initialize()
    model = generator._model
    encoder = config.encoder_decoder
    out = {"generator_id": bundle.generator_details.id, "steps_per_quarter": generator.steps_per_quarter,
           "variables": {}, "files": {}}
    for var in model._session.graph.get_collection("variables"):
        out["variables"][var.op.name] = var.shape.as_list()
    for midi_name in midi_names:
        sequence, track = extract(generator, os.path.join(midi_dir, midi_name))
        entry = {"extracted": [event_json(e) for e in track], "start_step": track.start_step,
                 "steps_per_bar": track.steps_per_bar}
        events = copy.deepcopy(track)
        if bundle.generator_details.id in MELODY_IDS:
            entry["transpose"] = int(events.squash(config.min_note, config.max_note, config.transpose_to_key))
            entry["squashed"] = [event_json(e) for e in events]
            total = model.melody_log_likelihood(track)
        else:
            total = model.drum_track_log_likelihood(track)
        inputs = encoder.get_inputs_batch([events], full_length=True)[0]
        labels = [encoder.events_to_label(events, i) for i in range(len(events))]
        softmax = run_softmax(model, inputs[:-1], 1.0)
        step_logp = [float(np.log(softmax[t][labels[t + 1]])) for t in range(len(events) - 1)]
        entry["inputs"] = [sparse(v) for v in inputs]
        entry["labels"] = labels
        entry["step_log_probs"] = step_logp
        entry["log_likelihood"] = float(total)
        entry["log_likelihood_type"] = type(total).__name__
        entry["temperatures"] = {}
        for temperature in (0.5, 1.7):
            probs = run_softmax(model, inputs, temperature)
            entry["temperatures"][str(temperature)] = [float(x) for x in np.log(probs[-1])]
        entry["generation"] = generation_plan(generator, sequence)
        out["files"][midi_name] = entry
    generator.close()
    return out


def generation_plan(generator, sequence):
    """Primer events and total length Magenta's generator uses for an off-grid generate section."""
    steps_per_second = note_seq.steps_per_quarter_to_steps_per_second(
        generator.steps_per_quarter, sequence.tempos[0].qpm if sequence.tempos else 120.0)
    last_end = max(n.end_time for n in sequence.notes)
    start_time = last_end + 0.3 / steps_per_second
    end_time = start_time + 20.6 / steps_per_second
    captured = {}
    model = generator._model

    def capture(num_steps, primer_events, *args, **kwargs):
        captured["num_steps"] = num_steps
        captured["primer"] = [event_json(e) for e in primer_events]
        captured["primer_start_step"] = primer_events.start_step
        result = copy.deepcopy(primer_events)
        result.set_length(num_steps)
        return result

    original = model._generate_events
    model._generate_events = capture
    try:
        options = generator_pb2.GeneratorOptions()
        options.generate_sections.add(start_time=start_time, end_time=end_time)
        generator.generate(sequence, options)
    finally:
        model._generate_events = original
    captured["start_time"] = start_time
    captured["end_time"] = end_time
    return captured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "models", "data"))
    parser.add_argument("--only", nargs="*", help="bundle names to (re)build")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    midi_dir = os.path.join(out, "midi")
    write_midi_fixtures(midi_dir)
    os.makedirs(os.path.join(out, "bundles"), exist_ok=True)
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    for seed, (name, generator_id, layout, sizes, attn) in enumerate(BUNDLES):
        if args.only and name not in args.only:
            continue
        bundle_path = os.path.join(out, "bundles", f"{name}.mag")
        make_bundle(name, generator_id, layout, sizes, attn, bundle_path, seed + 100)
        midi_names = DRUM_MIDI if generator_id in DRUM_IDS else MELODY_MIDI
        ref = reference_for(bundle_path, midi_dir, midi_names)
        ref.update({"name": name, "layout": layout, "rnn_layer_sizes": sizes, "attn_length": attn,
                    "magenta": "2.1.4", "tensorflow": tf.__version__, "numpy": np.__version__})
        with open(os.path.join(out, "reference", f"{name}.json"), "w") as f:
            json.dump(ref, f, indent=None, separators=(",", ":"), default=int)
        print(f"{name}: {len(ref['files'])} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
