"""Does the dashboard cost the show any timing? Engine timing with no dashboard, with the dashboard in
the show's process, and with the dashboard in its own process attached over localhost (what `drumbridge
run` does on a terminal, and what `drumbridge dashboard --connect` does); plus the dashboard's CPU. Prints JSON.

The show follows a 120 BPM MIDI clock fed from a thread of this process (stamped the way the rtmidi
callback stamps real input, so it feels the same GIL contention), and sends OSC beats to a receiver
in a separate process (so the receiver's timestamps do not share our GIL). Measured per scenario:
- tempo error: |follower BPM - 120| at every engine step once 4 beats have passed (p50/p99/max);
- input thread delay: how late the tick-feeding thread got to send each tick (GIL and scheduling);
- clock → OSC beat: OSC arrival minus the beat's true time (p50/p99/max, ms);
- MIDI → serial: a drum note injected on the drum input → its bytes written to a real pty (ms);
- CPU: this process (engine + in-process dashboard) and the remote dashboard process, % of one core.
Usage: python bench/dashboard.py [--seconds N] [--rounds N]  (not under `nice`: the dashboard niceness is relative)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.component import Component  # noqa: E402
from bridge.drum.transport import SerialTransport  # noqa: E402
from bridge.midi.factory import MemoryPorts  # noqa: E402
from bridge.remote.server import RemoteServer  # noqa: E402
from bridge.remote.source import LocalSource  # noqa: E402
from bridge.runner import RealtimeRunner  # noqa: E402
from bridge.setfile import parse_set  # noqa: E402
from bridge.show import Show  # noqa: E402
from bridge.timebase import monotonic_time  # noqa: E402
from tui.app import DashboardApp  # noqa: E402  (imported up front: a first import mid-show would be measured too)

BPM = 120.0
PERIOD = 60.0 / BPM / 24

RECEIVER = r"""
import json, socket, sys, time
from pythonosc.osc_message import OscMessage
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
sock.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
out = []
while time.monotonic() < end:
    try:
        data = sock.recv(4096)
    except socket.timeout:
        continue
    t = time.monotonic()
    msg = OscMessage(data)
    if msg.address.endswith("/clock/beat"):
        out.append([t, *msg.params])
print(json.dumps(out), flush=True)
"""

REMOTE_DASHBOARD = r"""
import asyncio, os, sys, time
sys.path.insert(0, sys.argv[3])
from bridge.cli.dashboard_cmd import yield_cpu
from bridge.remote.client import RemoteClient
from tui.app import DashboardApp
yield_cpu()  # as `drumbridge dashboard` does
client = RemoteClient("127.0.0.1", int(sys.argv[1])).connect()
async def main():
    app = DashboardApp(client, refresh_hz=15.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.sleep(float(sys.argv[2]))
asyncio.run(main())
client.close()
"""

SET = """
name = "bench"
[clock]
source = "midi"
bpm = 120.0
[[osc.targets]]
name = "rx"
host = "127.0.0.1"
port = {port}
[dashboard]
port = 0
[drum]
serial = "{device}"
[[drum.motors]]
motor = 0
notes = [36]
min_interval_ms = 0
[[drum.motors]]
motor = 1
notes = [38]
min_interval_ms = 0
"""
NOTE_SPACING = 0.05  # seconds between drum notes (20 a second)


class TempoProbe(Component):
    """Records the follower's tempo error at every engine step once 4 beats have passed."""

    name = "tempo-probe"

    def __init__(self, show: Show) -> None:
        self.clock = show.clock
        self.errors: list[float] = []

    def poll(self, now: float) -> None:
        if self.clock.snapshot(now).transport.value == "running" and self.clock.beat_at(now) > 4:
            self.errors.append(abs(self.clock.bpm - BPM))


def feed_clock(port: Any, start: float, seconds: float, stop: threading.Event, late: list[float]) -> None:
    """Start, then 24 ticks per beat on the ideal grid, each stamped when this thread gets to send it.

    `late` collects how far behind its due time each tick was sent: this process's own scheduling and
    GIL delay, the thing an in-process dashboard could add to.
    """
    while time.monotonic() < start - 0.01:
        time.sleep(0.005)
    port.inject([0xFA])
    k = 0
    while not stop.is_set() and k * PERIOD < seconds:
        due = start + k * PERIOD
        while (delay := due - time.monotonic()) > 0:
            time.sleep(delay)
        port.inject([0xF8])
        late.append(time.monotonic() - due)
        k += 1


def feed_notes(port: Any, start: float, seconds: float, stop: threading.Event, injected: list[int]) -> None:
    """Drum notes on the drum input, each stamped (perf_counter_ns) just before it is handed over."""
    k = 0
    while not stop.is_set() and k * NOTE_SPACING < seconds:
        due = start + 0.25 + k * NOTE_SPACING
        while (delay := due - time.monotonic()) > 0:
            time.sleep(delay)
        injected.append(time.perf_counter_ns())
        port.inject([0x99, 36 if k % 2 else 38, 100])
        k += 1


def drain(fd: int, stop: threading.Event) -> None:
    """Read the far end of the pty so the drum's writes never block."""
    while not stop.is_set():
        if select.select([fd], [], [], 0.05)[0]:
            try:
                os.read(fd, 4096)
            except OSError:
                return


def stats_ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    a = np.asarray(values) * 1000
    return {"n": len(values), "p50": round(float(np.percentile(a, 50)), 3),
            "p99": round(float(np.percentile(a, 99)), 3), "max": round(float(a.max()), 3)}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scenario(mode: str, seconds: float) -> dict[str, Any]:
    """One run: 'none', 'in_process' (dashboard on this process's main thread) or 'separate_process'."""
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(seconds + 3)], stdout=subprocess.PIPE,
                                text=True)
    assert receiver.stdout is not None
    osc_port = int(receiver.stdout.readline())
    master, slave = os.openpty()
    config = parse_set(SET.format(port=osc_port, device=os.ttyname(slave)))
    written: list[int] = []

    def on_written(data: bytes) -> None:
        if data[0] & 0xF0 == 0x90:
            written.append(time.perf_counter_ns())

    transport = SerialTransport(os.ttyname(slave), 115200, on_written=on_written)
    show = Show(config, MemoryPorts(monotonic_time), monotonic_time, drum_link=transport)
    drum = show.drum
    assert drum is not None
    probe = show.engine.add(TempoProbe(show))
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    stop = threading.Event()
    drainer = threading.Thread(target=drain, args=(master, stop), daemon=True)
    drainer.start()
    deadline = time.monotonic() + 3
    while transport.state != "connected" and time.monotonic() < deadline:
        time.sleep(0.01)
    server = RemoteServer(show.telemetry, show.commands, "127.0.0.1", 0).start() \
        if mode == "separate_process" else None
    start = time.monotonic() + 0.5
    clock_port = show.ports.inputs[show.config.clock.port]  # type: ignore[attr-defined]
    feeder_late: list[float] = []
    feeder = threading.Thread(target=feed_clock, args=(clock_port, start, seconds, stop, feeder_late), daemon=True)
    feeder.start()
    injected: list[int] = []
    notes = threading.Thread(target=feed_notes, args=(show.ports.inputs["drumbridge drum in"], start, seconds,  # type: ignore[attr-defined]
                                                      stop, injected), daemon=True)
    notes.start()
    cpu0, wall0, child0 = time.process_time(), time.monotonic(), child_cpu_seconds()
    dashboard_cpu = None
    if mode == "in_process":
        async def run_dashboard() -> None:
            app = DashboardApp(LocalSource(show.telemetry, show.commands), refresh_hz=15.0)
            async with app.run_test(size=(100, 30)):
                await asyncio.sleep(seconds + 0.5)
        asyncio.run(run_dashboard())
    elif mode == "separate_process":
        assert server is not None
        dashboard = subprocess.Popen([sys.executable, "-c", REMOTE_DASHBOARD, str(server.address[1]),
                                      str(seconds + 0.5), str(ROOT)])
        time.sleep(2.0)  # started up: imports and the first layout are not the steady cost
        steady0, steady_t0 = process_cpu_seconds(dashboard.pid), time.monotonic()
        time.sleep(max(0.5, seconds - 2.5))
        steady_cpu = (process_cpu_seconds(dashboard.pid) - steady0) / (time.monotonic() - steady_t0)
        dashboard.wait(timeout=seconds + 30)
        dashboard_cpu = child_cpu_seconds() - child0
    else:
        time.sleep(seconds + 0.5)
    feeder.join()
    notes.join()
    cpu1, wall1 = time.process_time(), time.monotonic()
    time.sleep(0.1)
    stop.set()
    if server is not None:
        server.stop()
    runner.stop()
    drainer.join(timeout=2)
    os.close(master)
    os.close(slave)
    n = min(len(injected), len(written))
    out, _ = receiver.communicate(timeout=seconds + 10)
    beats = json.loads(out.strip().splitlines()[-1])
    lateness = [t - (start + ((bar - 1) * 4 + (beat - 1)) * 60.0 / BPM) for t, bar, beat in beats]
    result = {
        "tempo_error_bpm": {k: (round(v / 1000, 5) if k != "n" else v)
                            for k, v in stats_ms(probe.errors).items()},
        "osc_beat_lateness_ms": stats_ms(lateness),
        "input_thread_delay_ms": stats_ms(feeder_late),
        "midi_to_serial_ms": stats_ms([(written[i] - injected[i]) / 1e9 for i in range(n)]),
        "drum_notes": {"sent": len(injected), "written": len(written), "dropped": drum.dropped_notes},
        "show_process_cpu_percent": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 2),
    }
    if dashboard_cpu is not None:
        result["dashboard_process_cpu_percent"] = round(100 * dashboard_cpu / (wall1 - wall0), 2)
        result["dashboard_process_cpu_percent_steady"] = round(100 * steady_cpu, 2)
    return result


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median p50/p99 over repeated runs, worst max, and every run's p99 (the machine is shared and noisy)."""
    out: dict[str, Any] = {}
    for key in ("tempo_error_bpm", "osc_beat_lateness_ms", "midi_to_serial_ms", "input_thread_delay_ms"):
        out[key] = {stat: round(float(np.median([r[key].get(stat, np.nan) for r in runs])), 5)
                    for stat in ("p50", "p99")}
        out[key]["max"] = max(r[key].get("max", np.nan) for r in runs)
        out[key]["runs_p99"] = [r[key].get("p99") for r in runs]
    for key in ("show_process_cpu_percent", "dashboard_process_cpu_percent", "dashboard_process_cpu_percent_steady"):
        if key in runs[0]:
            out[key] = round(sum(r[key] for r in runs) / len(runs), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three scenarios, interleaved")
    args = parser.parse_args()
    modes = ("none", "in_process", "separate_process")
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    load_before = os.getloadavg()[0]
    for _round in range(args.rounds):
        for mode in modes:
            runs[mode].append(scenario(mode, args.seconds))
    report: dict[str, Any] = {"seconds_per_run": args.seconds, "rounds": args.rounds, "bpm": BPM,
                              "cpu_cores": os.cpu_count(),
                              "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                              "python_switch_interval_ms": sys.getswitchinterval() * 1000,
                              "drum_notes": {m: [r["drum_notes"] for r in runs[m]] for m in modes}}
    for mode in modes:
        report[mode] = merge(runs[mode])
    base = report["none"]["show_process_cpu_percent"]
    report["dashboard_cpu_percent"] = {
        "in_process_extra": round(report["in_process"]["show_process_cpu_percent"] - base, 2),
        "separate_process": report["separate_process"]["dashboard_process_cpu_percent"],
        "separate_process_steady": report["separate_process"]["dashboard_process_cpu_percent_steady"],
        "show_side_of_separate": round(report["separate_process"]["show_process_cpu_percent"] - base, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
