"""Firmware benchmarks in simavr, printed as JSON: note-on to motor pin latency, strike timing error, flash/RAM use."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parents[1] / "firmware"
SIM = FIRMWARE / "build" / "drumbridge-sim"
ELF = FIRMWARE / "build" / "drumbridge.elf"
NOTE_SPACING_US = 60_000  # alternating motors 0 and 1: each motor every 120 ms (> 90 ms interval)
START_US = 20_000


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def build() -> None:
    """Builds the H-bridge ELF and the harness."""
    subprocess.run(["make", "-C", str(FIRMWARE), "-s", "DRIVER=hbridge", "hex", "sim"],
                   check=True, stdout=subprocess.DEVNULL)


def memory_use() -> dict[str, int]:
    """Flash and RAM bytes from avr-size's section table."""
    out = subprocess.run(["avr-size", "-A", str(ELF)], check=True, capture_output=True, text=True).stdout
    sizes = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\w+)\s+(\d+)", out, re.M)}
    text, data = sizes.get(".text", 0), sizes.get(".data", 0)
    ram = data + sizes.get(".bss", 0) + sizes.get(".noinit", 0)
    return {"flash_bytes": text + data, "flash_total": 32256, "ram_static_bytes": ram,
            "ram_total": 2048}


def run_notes(count: int) -> tuple[list[int], list[int], float]:
    """Plays count notes with a 100 ms heartbeat; returns latencies, forward-time errors (µs), sim speed."""
    lines = []
    for i in range(count):
        note = 36 if i % 2 == 0 else 38
        lines.append(f"{START_US + i * NOTE_SPACING_US} 90 {note:02X} 7F")
    end_us = START_US + count * NOTE_SPACING_US + 100_000
    lines += [f"{t} FE" for t in range(START_US + 30_000, end_us, 100_000)]
    lines.sort(key=lambda s: int(s.split()[0]))
    started = time.perf_counter()
    proc = subprocess.run([str(SIM), "--script", "-", "--ms", str(end_us // 1000)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    rows = [r.split(",") for r in proc.stdout.splitlines()[1:]]
    latencies, errors = [], []
    pending: list[int] = []
    recent: list[tuple[int, int]] = []
    fwd_start: dict[str, int] = {}
    for t_s, what, value in rows:
        t = int(t_s)
        if what == "rx":
            recent.append((t, int(value, 16)))
            recent = recent[-3:]
            if len(recent) == 3 and recent[0][1] == 0x90:
                pending.append(t)
        elif what in ("0", "1"):
            if value == "fwd" and pending:
                latencies.append(t - pending.pop(0))
                fwd_start[what] = t
            elif value == "off" and what in fwd_start:
                errors.append(abs(t - fwd_start.pop(what) - 30_000))
    return latencies, errors, (end_us / 1e6) / wall


def main() -> int:
    """Builds, measures and prints one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=300, help="notes to play (default 300)")
    args = parser.parse_args()
    build()
    latencies, errors, speed = run_notes(args.notes)
    result = {
        "bench": "firmware",
        "notes": args.notes,
        "strikes_seen": len(latencies),
        "note_to_pin_us": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                           "max": max(latencies), "mean": round(statistics.fmean(latencies), 1)},
        "forward_time_error_us": {"p50": percentile(errors, 50), "p99": percentile(errors, 99),
                                  "max": max(errors)},
        "sim_speed_x_realtime": round(speed, 2),
        **memory_use(),
    }
    print(json.dumps(result, indent=2))
    return 0 if len(latencies) == args.notes else 1


if __name__ == "__main__":
    sys.exit(main())
