"""`drumbridge run [SET]`: run a show from a set file until Ctrl-C (or --seconds)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bridge.cli.common import (
    DEFAULT_SET,
    install_sigterm,
    load_or_fail,
    midi_system,
    say,
    wait_for,
)
from bridge.cli.dashboard_cmd import run_local_dashboard, start_remote_server
from bridge.cli.main import CliError
from bridge.setfile import ShowConfig

if TYPE_CHECKING:
    from bridge.show import Show


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run a show", description="Run a show from a set file. "
                                   "Ctrl-C stops it cleanly: all notes off on every output, ports closed.")
    add_run_arguments(parser)
    parser.set_defaults(func=handle)


def add_run_arguments(parser: argparse.ArgumentParser, with_set: bool = True) -> None:
    if with_set:
        parser.add_argument("set", nargs="?", default=DEFAULT_SET, help=f"set file (default: {DEFAULT_SET})")
    parser.add_argument("--headless", action="store_true",
                        help="no dashboard (shown when stdout is a terminal) and no beat lines; log only")
    parser.add_argument("--seconds", type=float, default=None, metavar="N", help="stop after N seconds")
    parser.add_argument("--private-jack", action="store_true",
                        help="start a private JACK server when none runs (Linux)")


def handle(args: argparse.Namespace) -> int:
    return run_show(args.set, headless=args.headless, seconds=args.seconds, private_jack=args.private_jack)


# Given the loaded set, returns the set to run and a function that undoes what it started.
Prepare = Callable[[ShowConfig], tuple[ShowConfig, Callable[[], None]]]


def run_show(set_name: str | None, headless: bool, seconds: float | None, private_jack: bool,
             prepare: Prepare | None = None) -> int:
    """Load, wire and run a show in real time; clean shutdown on every exit path."""
    started = time.monotonic()
    path, config = load_or_fail(set_name)
    if seconds is not None and seconds <= 0:
        raise CliError("--seconds must be positive")
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if prepare is not None:
        config, cleanup = prepare(config)
    try:
        return _run(path, config, started, headless, seconds, private_jack)
    finally:
        cleanup()


def _run(path: Path, config: ShowConfig, started: float, headless: bool, seconds: float | None,
         private_jack: bool) -> int:

    from bridge.console import BeatPrinter
    from bridge.midi.api import MidiUnavailable, PortMissing
    from bridge.midi.factory import RtMidiPorts
    from bridge.responders.console import AnswerPrinter
    from bridge.responders.generator import GeneratorError
    from bridge.runner import RealtimeRunner
    from bridge.show import Show
    from bridge.timebase import monotonic_time

    install_sigterm()
    if not headless and background_job():
        keep_time_in_background()
        headless = True
        say("drumbridge: running in the background (not this terminal's foreground job): headless, no "
            "dashboard; the show keeps time")
    jack = None
    try:
        jack = midi_system(private_jack)
        try:
            show = Show(config, RtMidiPorts(monotonic_time), monotonic_time)
        except GeneratorError as error:
            raise CliError(f"{error}; nothing started") from None
        except PortMissing as error:  # the MIDI system is up; a port the set file names is not
            raise CliError(f"{error}; nothing started (`drumbridge ports` lists them)") from None
        except MidiUnavailable as error:
            raise CliError(f"{error}\n  (run `drumbridge demo`, or pass --private-jack, to start a JACK server)") \
                from None
        watch_stage(show)
        dashboard = not headless and sys.stdout.isatty()
        if not headless and not dashboard:
            show.engine.add(BeatPrinter(show.engine.scheduler))
            AnswerPrinter(show.clock.beats_per_bar).attach(show.responders)
        runner = RealtimeRunner(show.engine, monotonic_time)
        runner.start()
        ready_ms = (time.monotonic() - started) * 1000
        say(f"drumbridge: show {config.name or path.name!r} running ({config.clock.source} clock, "
            f"ready in {ready_ms:.0f} ms); Ctrl-C stops")
        remote = start_remote_server(show)
        try:
            if not (dashboard and run_local_dashboard(show, runner, seconds)):
                wait_for(runner, seconds)
        except KeyboardInterrupt:
            say("drumbridge: stopping: all notes off")
        finally:
            if remote is not None:
                remote.stop()
            runner.stop()
        if runner.error is not None:
            say(f"drumbridge: engine stopped on an error: {runner.error!r}")
            return 1
        return 0
    finally:
        if jack is not None:
            jack.stop()  # type: ignore[attr-defined]


def background_job() -> bool:
    """True when stdout is a terminal whose foreground is another job (`run SET &`, or under `timeout`).

    Such a process may print, but changing the terminal's modes (what a dashboard does) makes the
    kernel stop the whole process group with SIGTTOU, and a stopped show stops keeping time.
    """
    try:
        fd = sys.stdout.fileno()
        return os.isatty(fd) and os.tcgetpgrp(fd) != os.getpgrp()
    except (AttributeError, OSError, ValueError):
        return False


def keep_time_in_background() -> None:
    """Never let the terminal stop this show: ignore the background-job stops (SIGTTOU, SIGTTIN)."""
    for name in ("SIGTTOU", "SIGTTIN"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def watch_stage(show: Show) -> None:
    """Add the part that says clock and drum trouble in words (header and repeating log warnings)."""
    from bridge.stage_watch import StageWatch

    osc = show.config.osc
    show.engine.add(StageWatch(show.telemetry, show.clock, show.config.clock.port, osc.sections,
                               [cue.name for cue in osc.cues]))
