"""Responder timing on real ports: how long before its bar line each answer is ready, and the CPU it costs.

Two responders (a full-size drum_kit model and a melody model by default) run in `continuous` mode
with demo call players, so every 2 bars each of them generates a 32-step answer while the other
plays. Runs at each tempo in real time on a private JACK server; prints JSON:
- margin_ms: how long before it was due each answer was ready (streaming models: the tightest piece);
  margin_ms_p99_both: the margin 99 % of all answers (both responders) beat, i.e. the 1st percentile;
- gen_ms: model time per answer; late: answers (or pieces) that missed and fell back;
- note_on_error_ms: each answer note as received on the output port vs its 16th-note grid line
  (engine wake-up + JACK period, while the models run on their threads);
- cpu: the process's CPU over the run, idle (clock only, nobody playing) and while generating.

    .venv/bin/python bench/responders.py [--seconds 40] [--bpm 120 180] [--drums PATH] [--keys PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.midi.factory import RtMidiPorts  # noqa: E402
from bridge.midi.jack_server import JackServer  # noqa: E402
from bridge.midi.ports import ExternalInput  # noqa: E402
from bridge.responders.answer import AnswerRecord  # noqa: E402
from bridge.runner import RealtimeRunner  # noqa: E402
from bridge.setfile import parse_set  # noqa: E402
from bridge.show import Show  # noqa: E402
from bridge.timebase import monotonic_time  # noqa: E402

BUNDLES = ROOT / "tests" / "models" / "data" / "bundles"


def set_text(bpm: float, drums: Path, keys: Path, mode: str) -> str:
    return f"""
[clock]
source = "internal"
bpm = {bpm}

[[responders]]
name = "drums"
model = "{drums}"
mode = "{mode}"
groove = "none"  # note_on_error_ms is engine timing against the grid; the groove's own cost: bench/groove.py
[responders.demo_call]
phrase = "rock"

[[responders]]
name = "keys"
model = "{keys}"
channel = 1
mode = "{mode}"
seed = 2
[responders.demo_call]
phrase = "melody"
"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(bpm: float, seconds: float, drums: Path, keys: Path,
        mode: str) -> tuple[list[AnswerRecord], float, list[float]]:
    """Run the show for `seconds`; return every answer, the CPU used (fraction of one core), note timing errors."""
    show = Show(parse_set(set_text(bpm, drums, keys, mode)), RtMidiPorts(monotonic_time), monotonic_time)
    answers: list[AnswerRecord] = []
    for responder in show.responders:
        responder.answer_listeners.append(answers.append)
        for generator in responder.settings.generators:  # as if the band played nothing in the first seconds
            getattr(generator, "warm_up", lambda: None)()
    runner = RealtimeRunner(show.engine, monotonic_time)
    listeners = [ExternalInput(r.config.output_port, monotonic_time, client=f"bench-{r.name}")
                 for r in show.responders]
    runner.start()
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    cpu = (cpu_seconds() - cpu0) / (time.monotonic() - wall0)
    clock = show.clock
    received = [listener.take() for listener in listeners]
    errors = []  # how far each received note-on is from its 16th-note grid line, as heard on the port
    for messages in received:
        for data, t in messages:
            if data[0] & 0xF0 == 0x90 and data[2] > 0:
                grid = round(clock.beat_at(t) * 4) / 4
                errors.append(abs(t - clock.time_at(grid)) * 1000.0)
    runner.stop()  # before closing the listeners: closing a JACK input while notes arrive can deadlock
    time.sleep(0.05)
    for listener in listeners:
        listener.close()
    return answers, cpu, errors


def idle_cpu(seconds: float, drums: Path, keys: Path) -> float:
    """CPU of a running show (clock ticking, two responders waiting) with nobody playing."""
    text = set_text(120.0, drums, keys, "call-response").replace('[responders.demo_call]\nphrase = "rock"\n', "")
    text = text.replace('[responders.demo_call]\nphrase = "melody"\n', "")
    show = Show(parse_set(text), RtMidiPorts(monotonic_time), monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    time.sleep(1.0)
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    cpu = (cpu_seconds() - cpu0) / (time.monotonic() - wall0)
    runner.stop()
    return cpu


def summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0}
    array = np.array(values)
    return {"n": len(values), "min": round(float(array.min()), 3), "p1": round(float(np.percentile(array, 1)), 3),
            "p50": round(float(np.percentile(array, 50)), 3), "p99": round(float(np.percentile(array, 99)), 3),
            "max": round(float(array.max()), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--bpm", type=float, nargs="+", default=[120.0, 180.0])
    parser.add_argument("--drums", type=Path, default=BUNDLES / "drum_kit_default.mag")
    parser.add_argument("--keys", type=Path, default=BUNDLES / "attention_rnn_small_first.mag")
    parser.add_argument("--mode", default="continuous", choices=["continuous", "call-response"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(1))  # `timeout` still stops our jackd
    server = JackServer(f"dbbench-{os.getpid()}").start()
    os.environ.update(JACK_DEFAULT_SERVER=server.name, DRUMBRIDGE_MIDI_API="jack", JACK_NO_START_SERVER="1")
    result: dict[str, object] = {"bench": "responders", "mode": args.mode, "seconds": args.seconds,
                                 "drums_model": args.drums.name, "keys_model": args.keys.name,
                                 "cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0]}
    try:
        result["idle_cpu_percent_of_one_core"] = round(100 * idle_cpu(min(args.seconds, 10.0), args.drums,
                                                                      args.keys), 2)
        for bpm in args.bpm:
            answers, cpu, errors = run(bpm, args.seconds, args.drums, args.keys, args.mode)
            budget_ms = 60_000.0 / bpm / 8  # half a 16th: from the call closing to the bar line
            per: dict[str, object] = {"budget_ms": round(budget_ms, 2),
                                      "cpu_percent_of_one_core": round(100 * cpu, 2),
                                      "note_on_error_ms": summary(errors)}
            for name in ("drums", "keys"):
                mine = [a for a in answers if a.responder == name]
                per[name] = {
                    "answers": len(mine), "late": sum(a.late for a in mine),
                    "margin_ms": summary([a.margin_ms for a in mine if a.margin_ms is not None]),
                    "gen_ms": summary([a.gen_ms for a in mine if a.gen_ms is not None]),
                }
            margins = [a.margin_ms for a in answers if a.margin_ms is not None]
            per["margin_ms_p99_both"] = round(float(np.percentile(margins, 1)), 3) if margins else None
            result[f"bpm_{bpm:g}"] = per
    finally:
        server.stop()
    result["load_avg_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
