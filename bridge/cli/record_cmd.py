"""`drumbridge record SET --out show.jsonl`: run a show and record every incoming MIDI message with its musical time."""

from __future__ import annotations

import argparse
from pathlib import Path

from bridge.cli.common import install_sigterm, load_or_fail, midi_system, say, wait_for
from bridge.cli.main import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "record", help="run a show and record its inputs for replay",
        description="Run a show like `drumbridge run --headless` and write every incoming MIDI message "
        "(clock, calls, controls) with its time and song position to a JSON Lines file that "
        "`drumbridge replay` plays back deterministically.")
    parser.add_argument("set", help="set file")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="record file to write (JSON Lines); an existing file is kept unless --force")
    parser.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    parser.add_argument("--seconds", type=float, default=None, metavar="N", help="stop after N seconds")
    parser.add_argument("--private-jack", action="store_true",
                        help="start a private JACK server when none runs (Linux)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    path, config = load_or_fail(args.set)
    if args.seconds is not None and args.seconds <= 0:
        raise CliError("--seconds must be positive")
    out_path = Path(args.out)
    if not out_path.parent.exists():
        raise CliError(f"--out {out_path}: folder {out_path.parent} does not exist")
    if out_path.exists() and not args.force:
        raise CliError(f"--out {out_path} already exists ({_size(out_path)}); nothing started. "
                       "Pass --force to overwrite it, or choose another file name")

    from bridge.midi.api import MidiUnavailable
    from bridge.midi.factory import RtMidiPorts
    from bridge.record.recorder import Recorder, RecordingPorts
    from bridge.record.sink import LineSink
    from bridge.responders.generator import GeneratorError
    from bridge.runner import RealtimeRunner
    from bridge.show import Show
    from bridge.timebase import monotonic_time

    install_sigterm()
    jack = None
    try:
        jack = midi_system(args.private_jack)
        existed = out_path.exists()
        try:
            sink = LineSink(out_path, overwrite=args.force)
        except FileExistsError:
            raise CliError(f"--out {out_path} already exists; nothing started (pass --force)") from None
        except OSError as error:
            raise CliError(f"cannot write --out {out_path}: {error.strerror or error}; nothing started") from None
        try:
            recorder = Recorder(sink, path.read_text(encoding="utf-8"), str(path))
        except OSError as error:
            sink.close()
            if not existed and out_path.is_file():
                out_path.unlink(missing_ok=True)  # the empty file we made would only block the next try
            raise CliError(f"cannot write --out {out_path}: {error.strerror or error}; nothing started") from None
        try:
            show = Show(config, RecordingPorts(RtMidiPorts(monotonic_time), recorder), monotonic_time)
        except (GeneratorError, MidiUnavailable) as error:
            recorder.close()
            raise CliError(f"{error}; nothing started") from None
        recorder.clock = show.clock
        recorder.telemetry = show.telemetry
        show.engine.add(recorder, first=True)  # closed last, after every note-off went out
        runner = RealtimeRunner(show.engine, monotonic_time)
        runner.start()
        say(f"drumbridge: recording show {config.name or path.name!r} to {out_path}; Ctrl-C stops")
        try:
            wait_for(runner, args.seconds)
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()
        if recorder.failed is not None:
            say(f"drumbridge: the record {out_path} is incomplete: it keeps the first {recorder.messages} "
                f"messages ({recorder.failed.strerror or recorder.failed}); `drumbridge replay` reads it")
            return 1
        say(f"drumbridge: recorded {recorder.messages} messages to {out_path}")
        return 1 if runner.error is not None else 0
    finally:
        if jack is not None:
            jack.stop()  # type: ignore[attr-defined]


def _size(path: Path) -> str:
    """`96 KB` (what would be lost by overwriting)."""
    try:
        size = path.stat().st_size
    except OSError:
        return "unreadable"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
