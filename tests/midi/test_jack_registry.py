"""Dead servers' registry slots are freed when the table is full, live ones never."""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

from bridge.midi.jack_registry import HEADER, SERVERS, reclaim_stale_servers

STRIDE = 264


def registry(path: Path, pids: list[int]) -> Path:
    table = bytearray(HEADER + SERVERS * STRIDE + 64)
    table[:4] = b"KCAJ"
    struct.pack_into("<IIII", table, 4, 0, 1, len(table), HEADER + SERVERS * STRIDE)
    for i, pid in enumerate(pids):
        struct.pack_into("<i", table, HEADER + i * STRIDE, pid)
        table[HEADER + i * STRIDE + 4:HEADER + i * STRIDE + 20] = f"jack-0:s{i}:".encode().ljust(16, b"\0")
    path.write_bytes(bytes(table))
    return path


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def slots(path: Path) -> list[int]:
    data = path.read_bytes()
    return [struct.unpack_from("<i", data, HEADER + i * STRIDE)[0] for i in range(SERVERS)]


def test_full_table_frees_only_dead_servers(tmp_path: Path) -> None:
    dead, me = dead_pid(), os.getpid()
    path = registry(tmp_path / "reg", [me, dead] * 4)
    assert reclaim_stale_servers(path) == ["jack-0:s1:", "jack-0:s3:", "jack-0:s5:", "jack-0:s7:"]
    assert slots(path) == [me, 0] * 4


def test_table_with_a_free_slot_is_left_alone(tmp_path: Path) -> None:
    pids = [dead_pid()] * 7 + [0]
    path = registry(tmp_path / "reg", pids)
    assert reclaim_stale_servers(path) == []
    assert slots(path) == pids


def test_missing_or_foreign_file_is_ignored(tmp_path: Path) -> None:
    assert reclaim_stale_servers(tmp_path / "none") == []
    (tmp_path / "junk").write_bytes(b"x" * 4096)
    assert reclaim_stale_servers(tmp_path / "junk") == []
