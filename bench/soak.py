"""The whole concert, measured: a real-time show for N minutes, printed as one JSON object.

`drumbridge run --headless` plays a set with a MIDI clock source, two responders answering demo
calls every 4 bars, the drum on the firmware simulator and three OSC targets (one with nobody
listening); a dashboard is attached over remote attach in a pseudo-terminal. The clock comes from
another process over a private JACK server: 120 BPM with ±1 ms jitter, a Stop/Continue (with a Song
Position Pointer, as Live sends) a third of the way in, 132 BPM from halfway.

Reported: late answers and fallbacks (remote attach), duplicated/dropped/stuck notes on every
output port (a note-on without note-off when the show has stopped is stuck), motors left on in the
simulator's trace, beats received on each live OSC target vs the beats the clock sent, the show's
RSS/threads/fds at start, after the first minute and at the end, and CPU % of each process.
Targets: 0 late, 0 stuck, 0 lost beats, RSS growth <= 5 MB after the first minute.

    .venv/bin/python bench/soak.py --minutes 60 > soak.json
"""

from __future__ import annotations

import argparse
import faulthandler
import fcntl
import json
import os
import pty
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.processes import die_with_parent  # noqa: E402

TICKS_PER_BEAT = 24
BEATS_PER_BAR = 4
KEYS_MODEL = ROOT / "tests" / "models" / "data" / "bundles" / "attention_rnn_small_first.mag"
CLOCK_PORT = "soak clock"
RESPONDERS = ("drums", "keys")


# -- the clock process (Live's stand-in) ------------------------------------------------------------
def clock_plan(minutes: float) -> dict[str, int]:
    """Tick indices (in running ticks) of the Stop/Continue and the tempo change, and the total; all on bars."""
    bar = TICKS_PER_BEAT * BEATS_PER_BAR
    total_bars = max(8, round(minutes * 60 * 120 / 60 / BEATS_PER_BAR * 0.97))  # a little under N minutes
    return {"stop_at": (total_bars // 3) * bar, "tempo_at": (total_bars // 2) * bar, "total": total_bars * bar}


def run_clock(minutes: float, seed: int, pause_s: float) -> int:
    """Plays the clock into the show's clock port; prints what it sent as JSON on stdout."""
    import numpy as np

    from bridge.midi.ports import ExternalOutput

    plan = clock_plan(minutes)
    rng = np.random.default_rng(seed)
    out = ExternalOutput(CLOCK_PORT, client="soak-live")
    late: list[float] = []
    sent = 0
    bpm = 120.0
    out.send([0xFA])
    t = time.monotonic() + 0.005
    for k in range(plan["total"]):
        if k == plan["stop_at"]:
            out.send([0xFC])
            time.sleep(pause_s)
            sixteenths = k // 6
            out.send([0xF2, sixteenths & 0x7F, sixteenths >> 7])
            out.send([0xFB])
            t = time.monotonic() + 0.005
        if k == plan["tempo_at"]:
            bpm = 132.0
        due = t + rng.uniform(-0.001, 0.001)
        while (delay := due - time.monotonic()) > 0.0008:
            time.sleep(delay - 0.0008)
        while time.monotonic() < due:  # the last 0.8 ms spinning: the jitter is the plan's, not the OS's
            pass
        late.append(time.monotonic() - due)
        out.send([0xF8])
        sent += 1
        t += 60.0 / bpm / TICKS_PER_BEAT
    time.sleep(0.5 * 60.0 / bpm / TICKS_PER_BEAT)
    out.send([0xFC])
    time.sleep(0.05)
    out.close()
    late.sort()
    print(json.dumps({"ticks_sent": sent, **plan, "pause_s": pause_s,
                      "tick_send_late_ms_p99": round(1000 * late[int(0.99 * (len(late) - 1))], 3)}))
    return 0


# -- the show and its observers ---------------------------------------------------------------------
def set_text(link: Path, osc_ports: list[int], remote_port: int) -> str:
    """The soak's set file: MIDI clock, two responders with demo calls, drum on the simulator, 3 OSC targets."""
    targets = "".join(f'\n[[osc.targets]]\nname = "t{i}"\nhost = "127.0.0.1"\nport = {port}\n'
                      for i, port in enumerate(osc_ports))
    return f"""name = "soak"
[clock]
source = "midi"
port = "{CLOCK_PORT}"
bpm = 120.0
{targets}
[dashboard]
port = {remote_port}

[[responders]]
name = "drums"
model = "builtin:drums"
seed = 1
channel = 10
[responders.demo_call]
phrase = "rock"
every_bars = 4

[[responders]]
name = "keys"
model = "{KEYS_MODEL}"
seed = 2
channel = 1
[responders.demo_call]
phrase = "melody"
every_bars = 4

[drum]
serial = "{link}"
input = "drums"
"""


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_stats(pid: int) -> dict[str, float]:
    """RSS (MB), threads, open fds and CPU seconds of a live process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
    threads = int(re.search(r"Threads:\s+(\d+)", status)[1])  # type: ignore[index]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {"rss_mb": round(rss_kb / 1024, 2), "threads": threads,
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "cpu_s": cpu}


class NoteLedger:
    """Note-on/off bookkeeping for one output port: duplicates, orphan note-offs, what is still sounding."""

    def __init__(self) -> None:
        self.on: dict[tuple[int, int], float] = {}
        self.note_ons = self.duplicated = self.dropped_offs = 0

        self.examples: list[str] = []

    def feed(self, data: list[int], t: float) -> None:
        if len(data) < 3 or data[0] & 0xF0 not in (0x80, 0x90):
            return
        key = (data[0] & 0x0F, data[1])
        if data[0] & 0xF0 == 0x90 and data[2] > 0:
            self.note_ons += 1
            if key in self.on:
                self.duplicated += 1
                self._example(f"{t:.4f} note-on ch{key[0] + 1} {key[1]} again, first at {self.on[key]:.4f}")
            self.on[key] = t
        elif self.on.pop(key, None) is None:
            self.dropped_offs += 1
            self._example(f"{t:.4f} note-off ch{key[0] + 1} {key[1]} without a note-on")

    def _example(self, text: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(text)

    def report(self) -> dict[str, Any]:
        return {"note_ons": self.note_ons, "duplicated_note_ons": self.duplicated,
                "note_offs_without_note_on": self.dropped_offs,
                "stuck_at_end": [f"ch{c + 1} note {n}" for c, n in sorted(self.on)], "examples": self.examples}


def count_beats(path: Path) -> int:
    """/clock/beat messages oscdump printed."""
    return sum(1 for line in path.read_text(errors="replace").splitlines() if "/clock/beat " in line)


def motors_left_on(trace: Path) -> list[str]:
    """Motors whose last state in the simulator trace is not off."""
    last: dict[str, str] = {}
    for line in trace.read_text().splitlines()[1:]:
        parts = line.split(",")
        if len(parts) == 3:
            last[parts[1]] = parts[2]
    return sorted(m for m, state in last.items() if state != "off")


def strikes(trace: Path) -> int:
    return sum(1 for line in trace.read_text().splitlines()[1:] if line.endswith(",fwd"))


class PolledInput:
    """Listens on a show's output port by polling (no rtmidi callback: a 60-minute run crashed in
    python-rtmidi's JACK input callback, taking the bench down; DESIGN.md warns about that path)."""

    def __init__(self, source: str, client: str) -> None:
        from bridge.midi.api import make_midi_in
        from bridge.midi.ports import find_port

        self._rt = make_midi_in(client)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=False)
        self._rt.open_port(find_port(list(self._rt.get_ports()), source))
        self._lock = threading.Lock()
        self._received: list[tuple[list[int], float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poll {source}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._rt.get_message()
            if message is None:
                time.sleep(0.002)
                continue
            with self._lock:
                self._received.append((message[0], time.monotonic()))

    def take(self) -> list[tuple[list[int], float]]:
        with self._lock:
            items, self._received = self._received, []
        return items

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._rt.close_port()
        self._rt.delete()


class Dashboard:
    """`drumbridge dashboard --connect` in a 100x30 pseudo-terminal, its output drained and counted."""

    def __init__(self, remote_port: int, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.master = master
        self.bytes_out = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bridge", "dashboard", "--connect", f"127.0.0.1:{remote_port}"],
            cwd=ROOT, env=dict(env, TERM="xterm-256color"), stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=die_with_parent())
        os.close(slave)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.bytes_out += len(chunk)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def wait_for_port(name: str, source: bool = False, timeout: float = 30.0) -> None:
    """Waits until a JACK MIDI input (or, with source, output) port whose name contains `name` exists."""
    from bridge.midi.api import make_midi_in, make_midi_out

    probe = make_midi_in("soak-probe") if source else make_midi_out("soak-probe")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(name in p for p in probe.get_ports()):
                return
            time.sleep(0.1)
        raise RuntimeError(f"no MIDI port {name!r} after {timeout:g} s")
    finally:
        probe.delete()


class ShowDied(Exception):
    """The show process ended before the clock did (its report is the argument)."""


def soak(minutes: float, work: Path) -> dict[str, Any]:
    """Runs the whole soak; returns the JSON-able report."""
    from bridge.drum.sim import Simulator
    from bridge.midi.jack_server import JackServer
    from bridge.remote.client import RemoteClient

    server = JackServer(f"dbsoak-{os.getpid()}").start()
    env = dict(os.environ, JACK_DEFAULT_SERVER=server.name, DRUMBRIDGE_MIDI_API="jack",
               JACK_NO_START_SERVER="1", PYTHONPATH=str(ROOT))
    os.environ.update(JACK_DEFAULT_SERVER=server.name, DRUMBRIDGE_MIDI_API="jack", JACK_NO_START_SERVER="1")
    started: list[Any] = []
    try:
        trace = work / "drum-trace.csv"
        sim = Simulator(work / "drum-pty", trace=trace).start()
        started.append(sim)
        live_ports = [free_port(), free_port()]
        dead_port = free_port()  # nobody listens here
        dumps = []
        for port in live_ports:
            path = work / f"osc-{port}.txt"
            dump = subprocess.Popen(["oscdump", "-L", str(port)], stdout=open(path, "w"),
                                    stderr=subprocess.DEVNULL, preexec_fn=die_with_parent())
            started.append(dump)
            dumps.append(path)
        remote_port = free_port(socket.SOCK_STREAM)
        set_file = work / "soak.toml"
        set_file.write_text(set_text(sim.link, [*live_ports, dead_port], remote_port))
        show = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(set_file), "--headless"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=open(work / "show.err", "w"), preexec_fn=die_with_parent())
        started.append(show)
        wait_for_port(CLOCK_PORT)
        for name in RESPONDERS:
            wait_for_port(f"drumbridge {name} out", source=True)
        listeners = {name: PolledInput(f"drumbridge {name} out", client=f"soak-{name}") for name in RESPONDERS}
        ledgers = {name: NoteLedger() for name in RESPONDERS}
        client = None
        deadline = time.monotonic() + 20
        while client is None:
            try:
                client = RemoteClient("127.0.0.1", remote_port).connect()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        dashboard = Dashboard(remote_port, env)
        started.append(dashboard.process)
        sim_pid = sim.process.pid  # type: ignore[union-attr]
        first = {"show": proc_stats(show.pid), "sim": proc_stats(sim_pid),
                 "dashboard": proc_stats(dashboard.process.pid)}
        t_first = time.monotonic()
        clock = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--clock-child",
                                  "--minutes", str(minutes)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 text=True, preexec_fn=die_with_parent())
        started.append(clock)
        samples: list[dict[str, float]] = []
        after_minute: dict[str, float] | None = None
        while clock.poll() is None:
            time.sleep(1.0)
            if show.poll() is not None:  # the show died mid-concert: say when and how, with its last words
                err = (work / "show.err").read_text(errors="replace").splitlines()
                # faulthandler's whole report (the crashing thread comes first), else the last lines
                fatal = [i for i, line in enumerate(err) if line.startswith("Fatal Python error")]
                tail = err[fatal[-1]:fatal[-1] + 150] if fatal else err[-15:]
                raise ShowDied({"after_s": round(time.monotonic() - t_first, 1), "returncode": show.returncode,
                                "signal": signal.Signals(-show.returncode).name if show.returncode < 0 else None,
                                "stderr_tail": tail})
            for name, listener in listeners.items():
                for data, t in listener.take():
                    ledgers[name].feed(data, t)
            if time.monotonic() - t_first >= 10 * len(samples):
                samples.append(proc_stats(show.pid))
            if after_minute is None and time.monotonic() - t_first >= 60:
                after_minute = proc_stats(show.pid)
        clock_report = json.loads(clock.stdout.read() or "{}")  # type: ignore[union-attr]
        time.sleep(2.0)  # the Stop reaches the show; answers end, notes off
        end = {"show": proc_stats(show.pid), "sim": proc_stats(sim_pid),
               "dashboard": proc_stats(dashboard.process.pid)}
        t_end = time.monotonic()
        snapshot = client.snapshot()
        dashboard_alive = dashboard.process.poll() is None
        dashboard.stop()
        client.close()
        show.send_signal(signal.SIGINT)
        show_rc = show.wait(timeout=30)
        time.sleep(0.5)
        for name, listener in listeners.items():
            for data, t in listener.take():
                ledgers[name].feed(data, t)
            listener.close()
        sim.stop()
    finally:
        for process in reversed(started):
            if isinstance(process, Simulator):
                process.stop()
            elif process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
        jackd_said = server.output().splitlines()  # its last 200 lines: late clients, xruns
        server.stop()
    state = snapshot.get("state", {})
    responders = {name: {k: state.get(f"responder.{name}", {}).get(k) for k in ("answers", "late", "fallbacks",
                                                                               "errors", "margin_ms")}
                  for name in RESPONDERS}
    wall = t_end - t_first
    beats_expected = clock_report.get("ticks_sent", 0) // TICKS_PER_BEAT
    beats = [count_beats(path) for path in dumps]
    after = after_minute or samples[-1]
    warnings = [e for e in snapshot.get("log", []) if e.get("level") in ("warning", "error")]
    return {
        "bench": "soak", "minutes": minutes, "wall_s": round(wall, 1), "cpus": os.cpu_count(),
        "clock": clock_report,
        "late_answers": sum(r["late"] or 0 for r in responders.values()),
        "fallbacks": sum(r["fallbacks"] or 0 for r in responders.values()),
        "responders": responders,
        "outputs": {name: ledger.report() for name, ledger in ledgers.items()},
        "stuck_notes": sum(len(ledger.on) for ledger in ledgers.values()),
        "duplicated_notes": sum(ledger.duplicated for ledger in ledgers.values()),
        "dropped_notes": sum(ledger.dropped_offs for ledger in ledgers.values()),
        "drum": {"strikes": strikes(trace), "motors_left_on": motors_left_on(trace),
                 "telemetry": {k: v for k, v in state.get("drum", {}).items() if not isinstance(v, (list, dict))}},
        "beats_expected": beats_expected, "beats_received_per_live_target": beats,
        "lost_beats": max(0, beats_expected - min(beats)) if beats else None,
        "extra_beats": max(0, max(beats) - beats_expected) if beats else None,
        "show_process": {
            "start": {k: first["show"][k] for k in ("rss_mb", "threads", "fds")},
            "after_first_minute": {k: after[k] for k in ("rss_mb", "threads", "fds")},
            "end": {k: end["show"][k] for k in ("rss_mb", "threads", "fds")},
            "rss_max_mb": max(s["rss_mb"] for s in samples + [end["show"]]),
            "rss_growth_after_first_minute_mb": round(end["show"]["rss_mb"] - after["rss_mb"], 2),
            "exit_status": show_rc,
        },
        "cpu_percent_of_one_core": {
            name: round(100 * (end[name]["cpu_s"] - first[name]["cpu_s"]) / wall, 2) for name in end},
        "dashboard": {"alive_at_end": dashboard_alive, "bytes_drawn": dashboard.bytes_out},
        "warnings": len(warnings), "last_warnings": [e.get("message") for e in warnings[-5:]],
        "jackd_lines_kept": len(jackd_said), "jackd_last_lines": jackd_said[-8:],  # JackServer keeps 200
        "targets": {"late": 0, "stuck": 0, "lost_beats": 0, "rss_growth_mb_max": 5.0},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="show length (default 60)")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between Stop and Continue (default 3)")
    parser.add_argument("--clock-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.clock_child:
        return run_clock(args.minutes, seed=1, pause_s=args.pause)
    faulthandler.enable()  # a crash in a C extension says where, on stderr
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(1))  # still stop jackd and the children
    with tempfile.TemporaryDirectory(prefix="drumbridge-soak-") as work:
        try:
            report = soak(args.minutes, Path(work))
        except ShowDied as died:
            print(json.dumps({"bench": "soak", "minutes": args.minutes, "show_died": died.args[0]}, indent=2))
            return 1
    print(json.dumps(report, indent=2))
    ok = (report["late_answers"] == 0 and report["stuck_notes"] == 0 and report["lost_beats"] == 0
          and not report["drum"]["motors_left_on"]
          and report["show_process"]["rss_growth_after_first_minute_mb"] <= 5.0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
