"""`drumbridge replay show.jsonl`: run a recorded show again in virtual time and print/save its answers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bridge.cli.main import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="replay a record deterministically (faster than real time)",
        description="Rebuild the recorded show on in-memory ports and run it in virtual time. Every "
        "answer comes from (seed, responder, answer number), and model time is modelled as --gen-ms, "
        "so the same record gives the same answers bit for bit, on any machine. Offline: nothing is sent "
        "to the set's MIDI ports, OSC targets or drum unless --live.")
    parser.add_argument("record", help="record file from `drumbridge record`")
    parser.add_argument("--out", metavar="FILE", help="write answers and outgoing messages as JSON Lines")
    parser.add_argument("--gen-ms", type=float, default=5.0, metavar="MS",
                        help="modelled generation time per answer (default 5; a late model falls back)")
    parser.add_argument("--seed", type=int, default=None, help="replace every responder's seed")
    parser.add_argument("--quiet", action="store_true", help="print only the summary and digest")
    parser.add_argument("--live", action="store_true",
                        help="play it for real, at the recorded speed: the set's MIDI ports, OSC targets and drum")
    parser.add_argument("--private-jack", action="store_true",
                        help="with --live: start a private JACK server when none runs (Linux)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.gen_ms < 0:
        raise CliError("--gen-ms must be >= 0")
    from bridge.record.format import RecordError, read_record
    from bridge.record.replay import replay
    from bridge.responders.generator import GeneratorError
    from bridge.setfile import SetFileError

    if _looks_like_set_file(args.record):
        raise CliError(f"{args.record} is a set file, not a record: record a show with "
                       f"`drumbridge record {args.record} --out show.jsonl`, then replay show.jsonl")
    jack = None
    try:
        record = read_record(args.record)
        live_ports = None
        if args.live:
            from bridge.cli.common import midi_system
            from bridge.midi.factory import RtMidiPorts

            jack = midi_system(args.private_jack)
            live_ports = RtMidiPorts
        result = replay(record, args.gen_ms, args.seed, live=args.live, live_ports=live_ports)
    except (RecordError, SetFileError, GeneratorError) as error:
        raise CliError(str(error)) from None
    finally:
        if jack is not None:
            jack.stop()  # type: ignore[attr-defined]
    if not args.quiet:
        for answer in result.answers:
            phrase = answer["phrase"]
            print(f"{answer['responder']:<12} answer {answer['index']:>3}  beat {answer['beat']:>8g}  "
                  f"{answer['source']:<22} {len(phrase['notes']):>3} notes")
    notes = sum(1 for m in result.messages if m["data"][0] & 0xF0 == 0x90 and m["data"][2] > 0)
    print(f"{len(record.messages)} input messages, {record.end:.3f} s; {len(result.answers)} answers "
          f"({result.late} late), {notes} notes out")
    print(f"digest {result.digest}")
    if args.out:
        try:
            Path(args.out).write_text("\n".join(result.lines()) + "\n", encoding="utf-8")
        except OSError as error:
            raise CliError(f"--out {args.out}: {error}") from None
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _looks_like_set_file(name: str) -> bool:
    """A .toml file, or one whose first line is a TOML table or key rather than a record's JSON header."""
    path = Path(name)
    if path.suffix == ".toml":
        return True
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline(4096).strip()
    except OSError:
        return False
    return bool(first) and not first.startswith("{") and (first.startswith("[") or "=" in first)
