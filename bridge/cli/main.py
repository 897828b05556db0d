"""Entry point of the `drumbridge` command: builds the parser from the subcommand modules and runs one."""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

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
    "bridge.cli.groove_cmd",
)


class CliError(Exception):
    """A user-facing error: printed as one line on stderr, exit status 2."""


def _showable(default: object) -> bool:
    """A default worth printing: not None, not a flag's False, not suppressed (0 is a real default)."""
    return default is not None and default is not False and default != argparse.SUPPRESS


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows every option's default (unless the text already says it, or there is none to show)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if "default" in text.lower() or not _showable(default) or action.nargs == 0 \
                or isinstance(action, argparse._SubParsersAction):
            return text
        if not action.option_strings and action.nargs not in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


def list_actions(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler for a command given without its action: print the command's help (every action) and fail."""
    def handle(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        print(f"\n{parser.prog}: give one of the actions above", file=sys.stderr)
        return 2
    return handle


def _finish_parsers(parser: argparse.ArgumentParser, top: bool = True) -> None:
    """Give every (sub)command the shared help style and `-v` (so `drumbridge run -v` works like `-v run`)."""
    parser.formatter_class = HelpFormatter
    if not top:
        parser.add_argument("-v", "--verbose", action="count", default=0, dest="verbose_after",
                            help="more log output (-vv for debug); also accepted before the command")
    for action in parser._actions:
        if action.help is None and action.option_strings and _showable(action.default) and action.nargs != 0:
            action.help = "(default: %(default)s)"
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _finish_parsers(sub, top=False)


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
    _finish_parsers(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the chosen subcommand and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose + getattr(args, "verbose_after", 0), 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # a crash in a C extension (rtmidi, libjack) mid-show says which threads were doing what, on stderr;
    # a host that set up its own report (pytest, PYTHONFAULTHANDLER) keeps it, not our captured stderr
    if not faulthandler.is_enabled():
        try:
            faulthandler.enable(all_threads=True)
        except (AttributeError, OSError, ValueError):  # stderr is no file (called in-process, captured)
            pass
    try:
        return int(args.func(args) or 0)
    except CliError as error:
        print(f"drumbridge: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
