"""`drumbridge check SET`: validate a set file, load every model it names, print the Ableton routing it implies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bridge.cli.common import load_or_fail
from bridge.cli.main import CliError
from bridge.setfile import ShowConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="validate a set file and its models; print its Ableton routing",
                                   description="Validate a set file and load every model it names (numpy "
                                   "engine, as `run` does). On success print the routing to set up in Ableton "
                                   "Live and any names that look like typos; on error list every problem and "
                                   "exit 2.")
    parser.add_argument("set", help="set file")
    parser.add_argument("--width", type=int, default=100, help="wrap the routing table to this many columns")
    parser.set_defaults(func=handle)


def model_problems(config: ShowConfig, text: str, path: Path) -> list[str]:
    """Load every model the set names, as `run` would; one line per model that cannot be used."""
    from bridge.responders.generator import GeneratorError
    from bridge.responders.loader import load_generator
    from bridge.setfile.locate import key_lines, line_of

    lines = key_lines(text)
    problems: list[str] = []
    loaded: dict[str, str | None] = {}
    for index, responder in enumerate(config.responders):
        for spec in responder.all_models:
            if spec not in loaded:
                try:
                    load_generator(spec)
                    loaded[spec] = None
                except GeneratorError as error:
                    loaded[spec] = str(error)
            if loaded[spec] is None:
                continue
            if spec == responder.model:
                loc: tuple[str | int, ...] = ("responders", index, "model")
                key = f"responders.{responder.name}.model"
            else:
                loc = ("responders", index, "models")
                key = f"responders.{responder.name}.models[{responder.models.index(spec)}]"
            line = line_of(lines, loc)
            problems.append(f"{path}:{line}: {key}: {loaded[spec]}" if line else f"{path}: {key}: {loaded[spec]}")
    return problems


def handle(args: argparse.Namespace) -> int:
    from bridge.routing import format_routing
    from bridge.setfile.lint import lint_set

    path, config = load_or_fail(args.set, starting=False)
    text = path.read_text(encoding="utf-8")
    problems = model_problems(config, text, path)
    if problems:
        raise CliError("set file names models that cannot be loaded:\n" + "\n".join(problems))
    warnings = lint_set(config, text)
    models = sorted({m for r in config.responders for m in r.all_models})
    loaded = f", {len(models)} model{'s' * (len(models) != 1)} loaded" if models else ""
    print(f"{path}: OK ({config.name or 'unnamed show'}, clock: {config.clock.source}{loaded})\n")
    print(format_routing(config, args.width))
    for warning in warnings:
        print(warning.format(str(path)), file=sys.stderr)
    return check_existing_ports(config)


def check_existing_ports(config: ShowConfig) -> int:
    """Match every existing port the set names against the MIDI system now: 2 when one matches none or several."""
    from bridge.midi.api import MidiUnavailable
    from bridge.midi.ports import list_ports
    from bridge.midi.spec import PortMatchError, match_port
    from bridge.routing import existing_ports

    wanted = existing_ports(config)
    if not wanted:
        return 0
    try:
        listing = list_ports()
    except MidiUnavailable as error:
        print(f"\nexisting ports not checked (no MIDI system now): {error}")
        return 0
    print("\nexisting ports:")
    failed = 0
    for direction, spec in wanted:
        try:
            print(f"  {spec.name!r} -> {match_port(listing[direction + 's'], spec.name, 'MIDI ' + direction)}")
        except PortMatchError as error:
            print(f"  error: {error}")
            failed += 1
    return 2 if failed else 0
