"""`drumbridge demo`: the demo show, with no hardware and no DAW.

It starts its own JACK server if none runs, and when the firmware simulator can be built (avr-gcc and
simavr installed, as `make demo` does) the demo's drum is the real firmware running in simavr behind a
pty, so answers strike a simulated drum whose motor pins are traced.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bridge.cli.run_cmd import add_run_arguments, run_show
from bridge.setfile import ShowConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the demo show (no hardware, no DAW needed)",
                                   description="Run live_sets/demo.toml: internal clock at 120 BPM, virtual "
                                   "MIDI ports, OSC beat messages to 127.0.0.1:9000, and the drum on the "
                                   "firmware simulator when it is installed.")
    add_run_arguments(parser, with_set=False)
    parser.add_argument("--no-sim", action="store_true", help="don't start the drum simulator")
    parser.add_argument("--trace", metavar="FILE.csv", help="log the simulated motor pins (time_us,motor,state)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    prepare = None if args.no_sim else (lambda config: with_simulated_drum(config, args.trace))
    return run_show("demo.toml", headless=args.headless, seconds=args.seconds, private_jack=True, prepare=prepare)


def with_simulated_drum(config: ShowConfig, trace: str | None) -> tuple[ShowConfig, Callable[[], None]]:
    """Point the set's drum at a freshly started firmware simulator; without one the drum stays as set."""
    if config.drum is None:
        return config, lambda: None
    from bridge.drum.sim import Simulator, SimulatorError

    folder = tempfile.TemporaryDirectory(prefix="drumbridge-demo-")
    link = Path(folder.name) / "drum"
    try:
        simulator = Simulator(link, trace=trace).start()
    except SimulatorError as error:
        folder.cleanup()
        print(f"drumbridge: no drum simulator ({error}); the drum waits for a board", file=sys.stderr)
        return config, lambda: None
    print(f"drumbridge: drum = firmware in simavr on {link}" + (f", pins traced to {trace}" if trace else ""),
          file=sys.stderr)

    def cleanup() -> None:
        simulator.stop()
        folder.cleanup()

    drum = config.drum.model_copy(update={"serial": str(link)})
    return config.model_copy(update={"drum": drum}), cleanup
