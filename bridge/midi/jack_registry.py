"""Free the JACK server registry's slots held by servers that died without unregistering.

jackd keeps one slot per running server (8 in all) in /dev/shm/jack-shm-registry and reclaims a
dead server's slot only when a server of the *same name* starts again. Private servers with unique
names that were killed (or that exited without unregistering) therefore fill the table until every
new server fails with "Too many servers already active". This clears slots whose process is gone.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

REGISTRY = Path("/dev/shm/jack-shm-registry")
MAGIC = b"KCAJ"
HEADER = 24  # magic, protocol, type, size, hdr_len, entry_len
SERVERS = 8  # jack2's MAX_SERVERS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim_stale_servers(registry: Path = REGISTRY) -> list[str]:
    """Clears the slots of dead servers when no slot is free; returns the names it cleared."""
    try:
        fd = os.open(registry, os.O_RDWR)
    except OSError:
        return []
    try:
        with mmap.mmap(fd, 0) as table:
            if len(table) < HEADER or table[:4] != MAGIC:
                return []
            hdr_len = struct.unpack_from("<I", table, 16)[0]
            stride = (hdr_len - HEADER) // SERVERS
            if stride < 8 or hdr_len > len(table):
                return []
            pids = [struct.unpack_from("<i", table, HEADER + i * stride)[0] for i in range(SERVERS)]
            if 0 in pids:
                return []  # a free slot: jackd will manage
            cleared = []
            for i, pid in enumerate(pids):
                if pid > 0 and not _alive(pid):
                    start = HEADER + i * stride
                    cleared.append(table[start + 4:start + stride].split(b"\0")[0].decode(errors="replace"))
                    table[start:start + stride] = bytes(stride)
            return cleared
    finally:
        os.close(fd)
