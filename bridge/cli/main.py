"""Entry point of the `drumbridge` command: builds the parser from the subcommand modules and runs one."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bridge import __version__

# Each module defines `register(subparsers)`, which adds its parser and sets `func`.
# Modules import their heavy dependencies inside the handler so `--help` stays fast.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "bridge.cli.run_cmd",
    "bridge.cli.demo_cmd",
    "bridge.cli.check_cmd",
    "bridge.cli.ports_cmd",
    "bridge.cli.model_cmd",
    "bridge.cli.drum_cmd",
    "bridge.cli.dashboard_cmd",
    "bridge.cli.record_cmd",
    "bridge.cli.replay_cmd",
    "bridge.cli.train_cmd",
)


class CliError(Exception):
    """A user-facing error: printed as one line on stderr, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="drumbridge",
        description="Follow Ableton's clock, run ML call-and-response responders, "
        "drive a robot drum over serial and cue the video over OSC.",
    )
    parser.add_argument("--version", action="version", version=f"drumbridge {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the chosen subcommand and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as error:
        print(f"drumbridge: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
