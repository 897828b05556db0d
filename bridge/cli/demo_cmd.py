"""`drumbridge demo`: the demo show, with no hardware and no DAW (starts its own JACK server if needed)."""

from __future__ import annotations

import argparse

from bridge.cli.run_cmd import add_run_arguments, run_show


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the demo show (no hardware, no DAW needed)",
                                   description="Run live_sets/demo.toml: internal clock at 120 BPM, virtual "
                                   "MIDI ports, OSC beat messages to 127.0.0.1:9000.")
    add_run_arguments(parser, with_set=False)
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    return run_show("demo.toml", headless=args.headless, seconds=args.seconds, private_jack=True)
