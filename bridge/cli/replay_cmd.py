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
        "so the same record gives the same answers bit for bit, on any machine.")
    parser.add_argument("record", help="record file from `drumbridge record`")
    parser.add_argument("--out", metavar="FILE", help="write answers and outgoing messages as JSON Lines")
    parser.add_argument("--gen-ms", type=float, default=5.0, metavar="MS",
                        help="modelled generation time per answer (default 5; a late model falls back)")
    parser.add_argument("--seed", type=int, default=None, help="replace every responder's seed")
    parser.add_argument("--quiet", action="store_true", help="print only the summary and digest")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.gen_ms < 0:
        raise CliError("--gen-ms must be >= 0")
    from bridge.record.format import RecordError, read_record
    from bridge.record.replay import replay
    from bridge.responders.generator import GeneratorError
    from bridge.setfile import SetFileError

    try:
        record = read_record(args.record)
        result = replay(record, args.gen_ms, args.seed)
    except (RecordError, SetFileError, GeneratorError) as error:
        raise CliError(str(error)) from None
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
