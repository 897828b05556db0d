"""`drumbridge record` when the disk lets it down: a file system that fills up mid-show stops the recording,
never the show; one clear error, and the record keeps every whole line (replay reads it). A read-only folder
starts nothing. And an existing record is never overwritten without --force."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.midi.ports import ExternalInput, ExternalOutput
from bridge.record.format import read_record
from bridge.record.replay import replay
from bridge.timebase import monotonic_time
from tests.responders.fakes import SMALL_DRUMS
from tests.responders.test_record_jack import wait_for_port

ROOT = Path(__file__).resolve().parent.parent.parent
BPM = 240.0
TICK = 60.0 / (BPM * 24)


def mount_tmpfs(where: Path, size: str, options: str = "") -> None:
    where.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(where)],
                            capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 KB file system: a record of a few seconds of MIDI clock fills it."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "16k")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False, timeout=10)


def set_text(name: str) -> str:
    return (f'[clock]\nsource = "midi"\nport = "{name} clock"\nbpm = {BPM}\n\n[[responders]]\nname = "{name}"\n'
            f'model = "{SMALL_DRUMS}"\ncall_bars = 1\nanswer_bars = 1\nseed = 3\n')


def play(name: str, beats: int, call_every: int = 8) -> None:
    """Live's part, in real time: Start, clock, a one-bar call every `call_every` beats."""
    clock = ExternalOutput(f"{name} clock", client=f"{name}-live-clock")
    track = ExternalOutput(f"drumbridge {name} in", client=f"{name}-live-track")
    try:
        start = time.monotonic() + 0.2
        events: list[tuple[float, ExternalOutput, list[int]]] = [(start - 0.002, clock, [0xFA])]
        events += [(start + i * TICK, clock, [0xF8]) for i in range(beats * 24)]
        for bar_beat in range(0, beats - 4, call_every):
            for beat, pitch in ((0, 36), (1, 38), (2, 36), (3, 38)):
                at = start + (bar_beat + beat) * 24 * TICK + 0.003
                events += [(at, track, [0x99, pitch, 100]), (at + 0.03, track, [0x89, pitch, 0])]
        events.sort(key=lambda e: e[0])
        for when, port, data in events:
            while (wait := when - time.monotonic()) > 0:
                time.sleep(min(wait, 0.002))  # an external clock source keeping its own time
            port.send(data)
    finally:
        clock.close()
        track.close()


def record(set_file: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bridge", "record", str(set_file), "--out", str(out), *extra],
                            cwd=ROOT, env=dict(os.environ), stderr=subprocess.PIPE, text=True)


@pytest.mark.jack
@pytest.mark.slow
def test_a_full_disk_stops_the_recording_not_the_show(jack_server: object, tmp_path: Path, small_disk: Path) -> None:
    if not SMALL_DRUMS.exists():
        pytest.skip("model engine test bundles not in this checkout")
    name = "recfull"
    set_file = tmp_path / "show.toml"
    set_file.write_text(set_text(name))
    out = small_disk / "show.jsonl"
    process = record(set_file, out)
    listener = None
    try:
        wait_for_port(f"drumbridge {name} out", "sources")
        wait_for_port(f"{name} clock", "destinations")
        wait_for_port(f"drumbridge {name} in", "destinations")
        listener = ExternalInput(f"drumbridge {name} out", monotonic_time, client=f"{name}-listener")
        play(name, beats=34)
        time.sleep(0.1)
        received = listener.take()
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=15)
        stderr = process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
        if listener is not None:
            listener.close()
    assert stderr.count(f"cannot write {out}: No space left on device") == 1, stderr  # one clear error
    assert "Traceback" not in stderr and "engine stopped" not in stderr, stderr
    assert status == 1 and f"the record {out} is incomplete" in stderr
    # the show went on: the last call (beats 24-28, long after the disk failed) was answered
    ons = [t for data, t in received if data[0] == 0x99 and data[2] > 0]
    assert ons and max(ons) - min(ons) > 20 * 24 * TICK, f"answers stopped: {len(ons)} notes; stderr {stderr}"
    # the record keeps whole lines only, and replays
    text = out.read_bytes()
    assert text.endswith(b"\n")
    kept = read_record(out)
    assert 24 < len(kept.messages) < 34 * 24
    assert replay(kept).answers is not None


@pytest.mark.jack
def test_a_read_only_folder_starts_nothing(jack_server: object, tmp_path: Path) -> None:
    disk = tmp_path / "ro"
    mount_tmpfs(disk, "16k", ",ro")
    try:
        set_file = tmp_path / "show.toml"
        set_file.write_text('[clock]\nsource = "internal"\n')
        process = record(set_file, disk / "show.jsonl", "--seconds", "5")
        assert process.wait(timeout=30) == 2
        stderr = process.stderr.read() if process.stderr else ""
        assert f"cannot write --out {disk / 'show.jsonl'}: Read-only file system; nothing started" in stderr
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False, timeout=10)


def test_an_existing_record_is_never_overwritten_without_force(tmp_path: Path) -> None:
    set_file = tmp_path / "show.toml"
    set_file.write_text('[clock]\nsource = "internal"\n')
    rehearsal = tmp_path / "rehearsal.jsonl"
    rehearsal.write_bytes(b"x" * 96 * 1024)
    result = subprocess.run([sys.executable, "-m", "bridge", "record", str(set_file), "--out", str(rehearsal),
                             "--seconds", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"--out {rehearsal} already exists (96 KB); nothing started. Pass --force" in result.stderr
    assert rehearsal.read_bytes() == b"x" * 96 * 1024


@pytest.mark.jack
def test_force_overwrites(jack_server: object, tmp_path: Path) -> None:
    set_file = tmp_path / "show.toml"
    set_file.write_text('[clock]\nsource = "internal"\noutput = "recforce clock out"\n')
    old = tmp_path / "old.jsonl"
    old.write_text("old\n")
    process = record(set_file, old, "--force", "--seconds", "0.5")
    assert process.wait(timeout=30) == 0, process.stderr.read() if process.stderr else ""
    assert read_record(old).set_text == set_file.read_text()


@pytest.mark.jack
def test_a_device_that_takes_no_bytes_starts_nothing_and_is_left_alone(jack_server: object, tmp_path: Path) -> None:
    """`--out /dev/full --force`: the header cannot be written, so nothing starts (and /dev/full stays)."""
    set_file = tmp_path / "show.toml"
    set_file.write_text('[clock]\nsource = "internal"\noutput = "recdevfull clock out"\n')
    process = record(set_file, Path("/dev/full"), "--force", "--seconds", "5")
    assert process.wait(timeout=30) == 2
    stderr = process.stderr.read() if process.stderr else ""
    assert "cannot write --out /dev/full: No space left on device; nothing started" in stderr
    assert Path("/dev/full").is_char_device()
