"""Faults and hostile input (issue 16): the worst beat gap of a running show under each attack; prints JSON.

A show (internal clock at 120 BPM, a builtin drum responder, OSC control, remote attach) runs on a
private JACK server in this process; its clock-out ticks are timestamped by a listener client. Each
attack runs in its own process (as a hostile app or LAN peer would) while the ticks are recorded.
`beat_gap_ms` is the worst lateness of a beat (the interval between two beats minus 500 ms) and
`tick_gap_ms` the longest interval between two clock ticks (20.8 ms nominal). Targets: beat gap
≤ 50 ms under every flood, re-lock ≤ 4 beats, cleanup always sent.

    python bench/faults.py [--seconds N] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BPM = 120.0
PERIOD = 60.0 / BPM / 24
CLOCK_OUT = "drumbridge clock out (faults bench)"
SET = """
name = "faults bench"
[clock]
source = "internal"
bpm = 120.0
output = "drumbridge clock out (faults bench)"
[[responders]]
name = "fb"
model = "builtin:drums"
call_bars = 1
answer_bars = 1
[osc.listen]
port = {osc_port}
"""


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- attacks (each runs in a child process: `faults.py attack NAME OSC_PORT REMOTE_PORT SECONDS`) ----------
def attack_note_flood_after_stuck_note(_osc: int, _remote: int, seconds: float) -> None:
    from bridge.midi.ports import ExternalOutput
    out = ExternalOutput("drumbridge fb in", client="attacker")
    out.send([0x99, 40, 100])  # never released
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # ~2000 note pairs a second, in batches
        for k in range(20):
            out.send([0x99, 36 + k % 8, 90])
            out.send([0x89, 36 + k % 8, 0])
        time.sleep(0.01)
    out.close()


def attack_unterminated_sysex(_osc: int, _remote: int, seconds: float) -> None:
    from bridge.midi.ports import ExternalOutput
    out = ExternalOutput("drumbridge fb in", client="attacker")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        out.send([0xF0, 0x7D, 0x01])  # never terminated
        for _ in range(10):
            out.send([0x99, 38, 90])
            out.send([0x89, 38, 0])
        time.sleep(0.01)
    out.close()


def _bundle(address: str, count: int) -> bytes:
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder
    builder = OscBundleBuilder(IMMEDIATELY)
    message = OscMessageBuilder(address).build()
    for _ in range(count):
        builder.add_content(message)
    return builder.build().dgram


def attack_osc_panic_flood(osc: int, _remote: int, _seconds: float) -> None:
    dgram = _bundle("/drumbridge/panic", 2000)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(34):  # 68,000 /panic
            sock.sendto(dgram, ("127.0.0.1", osc))


def attack_osc_mutate_bundles(osc: int, _remote: int, seconds: float) -> None:
    dgram = _bundle("/drumbridge/responder/fb/mutate", 300)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sock.sendto(dgram, ("127.0.0.1", osc))
            time.sleep(0.1)


def attack_remote_slowloris(_osc: int, remote: int, seconds: float) -> None:
    socks = []
    for _ in range(50):
        try:
            socks.append(socket.create_connection(("127.0.0.1", remote), timeout=1))
        except OSError:
            pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for sock in socks:
            try:
                sock.send(b" ")
            except OSError:
                pass
        time.sleep(0.1)


def attack_remote_long_lines(_osc: int, remote: int, _seconds: float) -> None:
    chunk = b"A" * (7 * 1024 * 1024)
    for _ in range(30):
        try:
            with socket.create_connection(("127.0.0.1", remote), timeout=1) as sock:
                sock.sendall(chunk)
        except OSError:
            pass


def attack_remote_deep_json_and_wrong_tokens(_osc: int, remote: int, _seconds: float) -> None:
    for k in range(300):
        try:
            with socket.create_connection(("127.0.0.1", remote), timeout=1) as sock:
                if k % 2:
                    sock.sendall(b"[" * 4000 + b"\n")
                else:
                    sock.sendall(b'{"type": "hello", "protocol": 1, "token": "guess%d"}\n' % k)
                sock.recv(4096)
        except OSError:
            pass


ATTACKS = {name[len("attack_"):]: fn for name, fn in dict(globals()).items() if name.startswith("attack_")}


# -- measuring ------------------------------------------------------------------------------------------
def gaps(ticks: list[float]) -> dict[str, float]:
    """Worst beat lateness and longest tick interval, in ms."""
    if len(ticks) < 48:
        return {"beat_gap_ms": float("inf"), "tick_gap_ms": float("inf"), "ticks": len(ticks)}
    beats = ticks[::24]
    beat_gap = max(b - a for a, b in zip(beats, beats[1:])) - 24 * PERIOD
    tick_gap = max(b - a for a, b in zip(ticks, ticks[1:]))
    return {"beat_gap_ms": round(max(beat_gap, 0.0) * 1000, 2), "tick_gap_ms": round(tick_gap * 1000, 2),
            "ticks": len(ticks)}


class JackTimedInput:
    """Messages from `port` timed by JACK itself (rtmidi's deltas from the process cycle), polled.

    No Python callback: the timing is the show's, not this process's GIL's, and a JACK call made here
    (opening the next client) cannot deadlock with a callback of ours waiting for the GIL.
    """

    def __init__(self, port: str, client: str = "bench-listener") -> None:
        from bridge.midi.api import make_midi_in
        from bridge.midi.ports import find_port
        self._t = 0.0
        self.received: list[tuple[list[int], float]] = []
        self._rt = make_midi_in(client)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=False)
        self._rt.open_port(find_port(list(self._rt.get_ports()), port))

    def poll(self) -> list[tuple[list[int], float]]:
        """Take what rtmidi queued into `received`; return `received`."""
        while (item := self._rt.get_message()) is not None:
            self._t += item[1]
            self.received.append((item[0], self._t))
        return self.received

    def take(self) -> list[tuple[list[int], float]]:
        items, self.received = self.poll(), []
        return items

    def close(self) -> None:
        self._rt.close_port()
        self._rt.delete()


def run_attacks(names: list[str], seconds: float) -> dict[str, object]:
    from bridge.midi.factory import RtMidiPorts
    from bridge.remote.server import RemoteServer
    from bridge.runner import RealtimeRunner
    from bridge.setfile import parse_set
    from bridge.show import Show
    from bridge.timebase import monotonic_time

    osc_port, remote_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    config = parse_set(SET.replace("{osc_port}", str(osc_port)))
    show = Show(config, RtMidiPorts(monotonic_time), monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    remote = RemoteServer(show.telemetry, show.commands, "127.0.0.1", remote_port, "bench-token-123").start()
    listener = JackTimedInput(CLOCK_OUT)
    results: dict[str, object] = {}
    try:
        time.sleep(1.0)  # the show settles (first answer, ports connected)
        listener.take()
        for name in ["baseline", *names]:
            listener.take()
            child = None
            if name != "baseline":
                child = subprocess.Popen([sys.executable, __file__, "attack", name, str(osc_port), str(remote_port),
                                          str(seconds)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            end = time.monotonic() + seconds + 0.5
            while time.monotonic() < end:
                listener.poll()
                time.sleep(0.1)
            if child is not None:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            ticks = [t for data, t in listener.take() if data == [0xF8]]
            results[name] = gaps(ticks)
        control = show.osc.control
        results["osc_control"] = {"dropped": control.stats.dropped, "commands": control.stats.commands,
                                  "refused": control.stats.refused} if control is not None else None
        results["remote"] = {"rejected": remote.rejected, "accept_errors": remote.accept_errors}
        results["engine_alive"] = runner.running
    finally:
        listener.close()
        remote.stop()
        runner.stop()
    return results


def relock_beats() -> float | None:
    """Beats of a sane 120 BPM clock the follower needs after one second of ticks 0.5 ms apart (virtual time)."""
    from bridge.clock.ephemera import ClockStatus
    from bridge.clock.follower import MidiClockFollower
    follower = MidiClockFollower()
    follower.feed([0xFA], -0.001)
    for i in range(2000):
        follower.feed([0xF8], i * 0.0005)
        follower.poll(i * 0.0005)
    since = None
    for k in range(16 * 24):
        t = 1.0 + k * PERIOD
        follower.feed([0xF8], t)
        follower.poll(t + PERIOD / 2)
        ok = follower.status is ClockStatus.LOCKED and abs(follower.bpm - BPM) < 0.5
        since = (since if since is not None else k) if ok else None
    return None if since is None else since / 24


def cleanup_after_two_signals(jack_name: str) -> dict[str, object]:
    """`drumbridge run`, two signals 1 ms apart: did Stop and All Notes Off still go out?"""
    demo = (ROOT / "live_sets" / "demo.toml").read_text()
    text = demo.replace("beats_per_bar = 4", 'beats_per_bar = 4\noutput = "drumbridge clock out (fb signals)"', 1)
    text = text.replace("bpm = 120.0", "bpm = 240.0", 1).replace('name = "drums"', 'name = "fbsig"')
    text = text.replace('input = "drums"', 'input = "fbsig"')
    text = text.replace("port = 9001", f"port = {free_port(socket.SOCK_DGRAM)}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "signals.toml"
        path.write_text(text)
        env = dict(os.environ, JACK_DEFAULT_SERVER=jack_name, PYTHONPATH=str(ROOT))
        process = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "bridge", "run", str(path),
                                    "--headless"], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            while line and "running" not in line:
                line = process.stderr.readline()
            clock = JackTimedInput("drumbridge clock out (fb signals)", client="bench-clock")
            notes = JackTimedInput("drumbridge fbsig out", client="bench-notes")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(d[0] & 0xF0 == 0x90 for d, _ in notes.poll()):
                clock.poll()
                time.sleep(0.005)
            process.send_signal(signal.SIGINT)
            time.sleep(0.001)
            process.send_signal(signal.SIGTERM)
            try:
                _out, err = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
                time.sleep(1.0)
                process.kill()
                _out, err = process.communicate()
                return {"exit_code": None, "stop_sent": False, "all_notes_off_sent": False,
                        "error": "drumbridge run did not exit within 15 s of the signals", "stderr": err[-2000:]}
            time.sleep(0.5)  # the last bytes cross JACK
            clock_data = [d for d, _ in clock.take()]
            note_data = [d for d, _ in notes.take()]
            clock.close()
            notes.close()
        finally:
            if process.poll() is None:
                process.kill()
    return {"exit_code": process.returncode, "stop_sent": bool(clock_data) and clock_data[-1] == [0xFC],
            "all_notes_off_sent": [0xB9, 123, 0] in note_data}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "attack":
        _cmd, name, osc, remote, seconds = sys.argv[1:6]
        ATTACKS[name](int(osc), int(remote), float(seconds))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each attack")
    parser.add_argument("--only", default="", help="comma-separated attack names")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(ATTACKS)
    from bridge.midi.jack_server import JackServer
    name = f"faults-{uuid.uuid4().hex[:8]}"
    os.environ.update(JACK_DEFAULT_SERVER=name, DRUMBRIDGE_MIDI_API="jack", JACK_NO_START_SERVER="1")
    with JackServer(name):
        attacks = run_attacks(names, args.seconds)
        cleanup = cleanup_after_two_signals(name)
    floods = {k: v for k, v in attacks.items() if k in ATTACKS}
    worst = max((v["beat_gap_ms"] for v in floods.values()), default=0.0)  # type: ignore[index]
    relock = relock_beats()
    print(json.dumps({
        "attacks": attacks,
        "relock_beats_after_fast_ticks": relock,
        "cleanup_after_two_signals": cleanup,
        "targets": {"beat_gap_ms_max": 50, "relock_beats_max": 4},
        "met": {"beat_gap": worst <= 50, "relock": relock is not None and relock <= 4,
                "cleanup": bool(cleanup["stop_sent"] and cleanup["all_notes_off_sent"] and cleanup["exit_code"] == 0)},
    }, indent=2))


if __name__ == "__main__":
    main()
