"""Bench: MIDI note into the drum input → bytes written to the serial port, in process. Prints JSON.

The path is the show's own: a note arrives on the drum input (memory port, as rtmidi's callback would
deliver it), the engine thread wakes and steps, the drum component hands the note-on to the serial
transport, which writes it to a real pty (non-blocking, from the engine thread). Latency = inject →
write() returned.
Split into the engine thread's wake-up (inject → the drum's handler runs) and the drum's own part
(handler → write returned). Also reports the heartbeat interval, as written and as read on the far end.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridge.drum.transport import SerialTransport  # noqa: E402
from bridge.midi.factory import MemoryPorts  # noqa: E402
from bridge.runner import RealtimeRunner  # noqa: E402
from bridge.setfile import parse_set  # noqa: E402
from bridge.show import Show  # noqa: E402

SET = """
[clock]
source = "internal"
[drum]
serial = "{port}"
[[drum.motors]]
motor = 0
notes = [36]
min_interval_ms = 0
[[drum.motors]]
motor = 1
notes = [38]
min_interval_ms = 0
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--spacing-ms", type=float, default=2.0)
    args = parser.parse_args()

    master, slave = os.openpty()
    device = os.ttyname(slave)
    write_done: list[int] = []

    heartbeats: list[float] = []
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            if select.select([master], [], [], 0.05)[0]:
                data = os.read(master, 4096)
                t = time.monotonic()
                heartbeats.extend(t for b in data if b == 0xFE)

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    config = parse_set(SET.format(port=device))
    ports = MemoryPorts()
    handled: list[int] = []
    sent_heartbeats: list[float] = []

    def on_written(data: bytes) -> None:
        if data[0] & 0xF0 == 0x90:
            write_done.append(time.perf_counter_ns())
        elif data == b"\xFE":
            sent_heartbeats.append(time.monotonic())

    transport = SerialTransport(device, 115200, on_written=on_written)
    show = Show(config, ports, time.monotonic, drum_link=transport)
    drum = show.drum
    assert drum is not None
    on_midi = drum.on_midi

    def timed_on_midi(message: object, t: float) -> None:
        handled.append(time.perf_counter_ns())  # the engine thread has the note: wake-up is behind us
        on_midi(message, t)  # type: ignore[arg-type]

    show.engine._routes["drumbridge drum in"] = [timed_on_midi]  # noqa: SLF001 - bench instrumentation
    runner = RealtimeRunner(show.engine)
    runner.start()
    deadline = time.monotonic() + 3
    while transport.state != "connected" and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    port_in = ports.inputs["drumbridge drum in"]
    injected: list[int] = []
    for i in range(args.notes):
        injected.append(time.perf_counter_ns())
        port_in.inject([0x99, 36 if i % 2 else 38, 100])
        time.sleep(args.spacing_ms / 1000)
    time.sleep(0.2)
    runner.stop()
    stop.set()
    drainer.join(timeout=2)
    os.close(master)
    os.close(slave)
    n = min(len(injected), len(write_done))
    latencies_ms = [(write_done[i] - injected[i]) / 1e6 for i in range(n)]
    wake_ms = [(handled[i] - injected[i]) / 1e6 for i in range(min(n, len(handled)))]
    drum_ms = [(write_done[i] - handled[i]) / 1e6 for i in range(min(n, len(handled)))]
    gaps_ms = [(b - a) * 1e3 for a, b in zip(sent_heartbeats, sent_heartbeats[1:])]
    far_gaps_ms = [(b - a) * 1e3 for a, b in zip(heartbeats, heartbeats[1:])]
    print(json.dumps({
        "bench": "drum",
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "notes_sent": args.notes,
        "notes_written": len(write_done),
        "dropped_notes": drum.dropped_notes,
        "midi_in_to_serial_write_ms": {
            "p50": round(percentile(latencies_ms, 50), 4), "p99": round(percentile(latencies_ms, 99), 4),
            "max": round(max(latencies_ms), 4), "target_p99": 0.5,
        },
        "of_which_engine_wakeup_ms": {"p50": round(percentile(wake_ms, 50), 4),
                                      "p99": round(percentile(wake_ms, 99), 4)},
        "of_which_drum_to_write_ms": {"p50": round(percentile(drum_ms, 50), 4),
                                      "p99": round(percentile(drum_ms, 99), 4)},
        "heartbeat_interval_ms": {  # as written by the bridge
            "count": len(gaps_ms), "p50": round(percentile(gaps_ms, 50), 3) if gaps_ms else None,
            "p99_abs_error": round(percentile([abs(g - 100) for g in gaps_ms], 99), 3) if gaps_ms else None,
        },
        "heartbeat_interval_far_end_ms": {  # as read on the pty's other end (includes the reader's own wake-ups)
            "count": len(far_gaps_ms),
            "p99_abs_error": round(percentile([abs(g - 100) for g in far_gaps_ms], 99), 3) if far_gaps_ms else None,
        },
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
