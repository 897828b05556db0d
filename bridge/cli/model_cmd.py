"""`drumbridge model info|score|generate|bench`: inspect and run Magenta bundles without TensorFlow."""

from __future__ import annotations

import argparse
import json

BUNDLE_HELP = 'a Magenta .mag bundle file, or "builtin:drums" (the drum model shipped with drumbridge)'


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `model` command and its four subcommands."""
    from bridge.cli.main import list_actions

    parser = subparsers.add_parser("model", help="inspect, score, generate with and time a Magenta .mag bundle",
                                   description="Inspect and run a model bundle (a .mag file, or builtin:drums) "
                                   "with the numpy engine; TensorFlow is not needed.")
    parser.set_defaults(func=list_actions(parser))
    actions = parser.add_subparsers(dest="model_command", metavar="ACTION")

    info = actions.add_parser("info", help="generator id, description, config, layer sizes, parameter count")
    info.add_argument("bundle", help=BUNDLE_HELP)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=handle_info)

    score = actions.add_parser("score", help="log-likelihood of a MIDI file's events under the model")
    score.add_argument("bundle", help=BUNDLE_HELP)
    score.add_argument("midi")
    score.add_argument("--json", action="store_true", help='print {"log_likelihood": ..., "steps": ...}')
    score.set_defaults(func=handle_score)

    generate = actions.add_parser("generate", help="continue a primer MIDI file; same seed, same output")
    generate.add_argument("bundle", help=BUNDLE_HELP)
    generate.add_argument("--primer", required=True, help="primer MIDI file")
    generate.add_argument("--bars", type=int, default=2, help="bars to generate after the primer (default 2)")
    generate.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (> 0)")
    generate.add_argument("--seed", type=int, default=0, help="random seed: same seed, same output")
    generate.add_argument("--out", required=True, help="output MIDI file (primer + continuation)")
    generate.add_argument("--only-new", action="store_true", help="write only the continuation, not the primer")
    generate.set_defaults(func=handle_generate)

    bench = actions.add_parser("bench", help="time answering STEPS steps after a 16-step primer")
    bench.add_argument("bundle", help=BUNDLE_HELP)
    bench.add_argument("--steps", type=int, default=32, help="answer length in 16th steps")
    bench.add_argument("--runs", type=int, default=200, help="answers to time")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(func=handle_bench)


def _load(path: str):
    from bridge.cli.main import CliError
    from bridge.models import ModelError
    from bridge.models.model import Model
    from bridge.responders.loader import BUILTIN_MODELS

    if path.startswith("builtin:"):
        if path not in BUILTIN_MODELS:
            raise CliError(f"unknown built-in model {path!r}; known: {', '.join(BUILTIN_MODELS)}")
        path = str(BUILTIN_MODELS[path])
    try:
        return Model.load(path)
    except ModelError as error:
        raise CliError(str(error)) from None


def handle_info(args: argparse.Namespace) -> int:
    """Print what the bundle holds."""
    import dataclasses

    model = _load(args.bundle)
    info = dataclasses.asdict(model.info)
    if args.json:
        print(json.dumps(info))
        return 0
    labels = [("generator", f"{info['model']}/{info['generator_id']}"), ("description", info["description"]),
              ("bundle", info["bundle_description"]), ("layout", info["layout"]),
              ("layers", "LSTM " + " x ".join(str(n) for n in info["layer_sizes"])),
              ("attention length", f"{info['attn_length']} ({info['attn_length_source']})"),
              ("inputs", info["input_size"]), ("classes", info["num_classes"]),
              ("steps per quarter", info["steps_per_quarter"]), ("parameters", f"{info['parameter_count']:,}"),
              ("checkpoint", info["checkpoint_format"])]
    for label, value in labels:
        print(f"{label + ':':19}{value}")
    return 0


def handle_score(args: argparse.Namespace) -> int:
    """Print the log-likelihood Magenta would compute for the events it extracts from the file."""
    from bridge.cli.main import CliError
    from bridge.models import ModelError
    from bridge.models.sequences import read_track

    model = _load(args.bundle)
    try:
        track = read_track(args.midi, model.is_drums, model.config.steps_per_quarter)
        score = model.score(track.events)
    except ModelError as error:
        raise CliError(str(error)) from None
    if args.json:
        print(json.dumps({"log_likelihood": score.log_likelihood, "steps": score.steps}))
    else:
        print(f"log_likelihood: {score.log_likelihood:.6f}")
        print(f"steps: {score.steps}")
    return 0


def handle_generate(args: argparse.Namespace) -> int:
    """Continue the primer like Magenta's *_rnn_generate (section starts one step after the last note)."""
    from bridge.cli.main import CliError
    from bridge.models import ModelError
    from bridge.models.sequences import events_to_midi, plan_generation, read_midi, steps_per_bar

    if args.bars < 1:
        raise CliError("--bars must be at least 1")
    if not args.temperature > 0:
        raise CliError("--temperature must be > 0")
    model = _load(args.bundle)
    spq = model.config.steps_per_quarter
    try:
        sequence = read_midi(args.primer)
        seconds_per_step = 60.0 / sequence.qpm / spq
        start = sequence.total_time + seconds_per_step
        end = start + args.bars * steps_per_bar(sequence, spq) * seconds_per_step
        plan = plan_generation(sequence, model.is_drums, spq, start, end)
        result = model.generate(plan.primer.events, plan.new_steps, args.temperature, args.seed)
        if args.only_new:
            midi = events_to_midi(result.events, model.is_drums, spq, sequence.qpm,
                                  start_step=plan.primer.start_step + len(plan.primer.events))
        else:
            midi = events_to_midi(plan.primer.events + result.events, model.is_drums, spq, sequence.qpm,
                                  start_step=plan.primer.start_step)
        midi.save(args.out)
    except ModelError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"cannot write {args.out}: {error.strerror or error}") from None
    print(f"wrote {args.out}: {len(plan.primer.events)} primer steps + {len(result.events)} generated")
    return 0


def handle_bench(args: argparse.Namespace) -> int:
    """Time answers (numpy only)."""
    from bridge.cli.main import CliError
    from bridge.models.timing import time_answers

    if args.steps < 1 or args.runs < 1:
        raise CliError("--steps and --runs must be at least 1")
    model = _load(args.bundle)
    result = time_answers(model, steps=args.steps, runs=args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"p50_ms: {result['p50_ms']}\np99_ms: {result['p99_ms']}\nruns: {result['runs']}")
        print(f"answer after fed call p99_ms: {result['answer_after_fed_call']['p99_ms']}")
        print(f"first step after call p99_ms: {result['first_step_after_call']['p99_ms']}")
    return 0
