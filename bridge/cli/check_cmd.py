"""`drumbridge check SET`: validate a set file and print the Ableton routing it implies."""

from __future__ import annotations

import argparse

from bridge.cli.common import load_or_fail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="validate a set file; print its Ableton routing",
                                   description="Validate a set file. On success print the routing to set up "
                                   "in Ableton Live; on error list every problem and exit 2.")
    parser.add_argument("set", help="set file")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from bridge.routing import format_routing

    path, config = load_or_fail(args.set)
    print(f"{path}: OK ({config.name or 'unnamed show'}, clock: {config.clock.source})\n")
    print(format_routing(config))
    return 0
