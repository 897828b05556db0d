"""Firmware benchmarks in simavr, printed as JSON: note-on to motor pin latency, strike timing error, flash/RAM use,
and the simulator's CPU in pty mode (real time, as `drumbridge drum sim` runs it; DESIGN target <= 10 % of a core)."""

from __future__ import annotations

import argparse
import json
import os
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


def pty_cpu(seconds: float, note_every: int) -> float:
    """CPU (% of one core) of the simulator in pty mode: Active Sensing every 100 ms, a note every
    `note_every` of them."""
    link = Path(f"/tmp/drumbridge-bench-{os.getpid()}")
    proc = subprocess.Popen([str(SIM), "--pty", str(link)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # READY
        fd = os.open(link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        ticks = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks

        time.sleep(0.5)
        c0, t0 = cpu(), time.monotonic()
        k = 0
        while time.monotonic() - t0 < seconds:
            os.write(fd, b"\xfe")
            if note_every and k % note_every == 0:
                os.write(fd, bytes([0x99, 36 if k % (2 * note_every) else 38, 100]))
            try:
                os.read(fd, 4096)  # replies: keep the pty from filling
            except BlockingIOError:
                pass
            k += 1
            time.sleep(0.1)
        used = 100 * (cpu() - c0) / (time.monotonic() - t0)
        os.close(fd)
        return round(used, 2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    """Builds, measures and prints one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=300, help="notes to play (default 300)")
    parser.add_argument("--cpu-seconds", type=float, default=10.0, help="length of each pty-mode CPU run (default 10)")
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
        "pty_cpu_percent_of_one_core": {"heartbeat_only": pty_cpu(args.cpu_seconds, 0),
                                        "heartbeat_and_2_notes_per_s": pty_cpu(args.cpu_seconds, 5),
                                        "target": 10.0},
        **memory_use(),
    }
    print(json.dumps(result, indent=2))
    return 0 if len(latencies) == args.notes else 1


if __name__ == "__main__":
    sys.exit(main())
