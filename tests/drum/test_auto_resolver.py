"""`serial = "auto"` searches cheaply: the USB port scan reruns only when /dev changes (or every few s)."""

from __future__ import annotations

import pytest

from bridge.drum import transport
from bridge.drum.ports import PortInfo


def test_scan_reruns_only_when_dev_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = {"entries": frozenset({"tty0", "null"})}
    board: list[PortInfo] = []
    scans: list[int] = []

    def fake_find(usb_ids, serial_number):  # noqa: ANN001, ANN202
        scans.append(1)
        return board[0] if board else None

    clock = {"t": 100.0}
    monkeypatch.setattr(transport, "find_board", fake_find)
    monkeypatch.setattr(transport, "_dev_entries", lambda: dev["entries"])
    monkeypatch.setattr(transport.time, "monotonic", lambda: clock["t"])
    resolve = transport._auto_resolver(["2341:*"], "")
    assert resolve() is None and len(scans) == 1
    for _ in range(20):  # 2 s of searching at 10 per second: /dev unchanged, no rescan
        clock["t"] += 0.1
        assert resolve() is None
    assert len(scans) == 1
    board.append(PortInfo("/dev/ttyACM0", 0x2341, 0x43, "", "Uno"))
    dev["entries"] = frozenset({"tty0", "null", "ttyACM0"})  # plugged in: a new device node
    assert resolve() == "/dev/ttyACM0" and len(scans) == 2
    assert resolve() == "/dev/ttyACM0" and len(scans) == 2
    clock["t"] += transport.FULL_SCAN_INTERVAL  # and a full scan now and then regardless
    board.clear()
    assert resolve() is None and len(scans) == 3
