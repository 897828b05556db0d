"""SVG snapshots of the dashboard from fixed telemetry: healthy, degraded, 80x24 and a narrow SSH window.

Update after an intended layout change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs (the report pytest prints shows a diff on failure).
"""

from __future__ import annotations

from typing import Any

from tests.tui.fixtures import StaticSource, degraded, healthy
from tui.app import DashboardApp


def dashboard(snapshot: dict[str, Any]) -> DashboardApp:
    """The app on fixed telemetry; polling far slower than the test so every frame is the first one."""
    return DashboardApp(StaticSource(snapshot), refresh_hz=1.0, clock=lambda: 0.0)


def test_healthy(snap_compare: Any) -> None:
    assert snap_compare(dashboard(healthy()), terminal_size=(110, 32))


def test_degraded_drum_down_clock_stalled_late_answers(snap_compare: Any) -> None:
    assert snap_compare(dashboard(degraded()), terminal_size=(110, 32))


def test_fits_80x24(snap_compare: Any) -> None:
    assert snap_compare(dashboard(healthy()), terminal_size=(80, 24))


def test_degraded_80x24(snap_compare: Any) -> None:
    assert snap_compare(dashboard(degraded()), terminal_size=(80, 24))


def test_narrow_ssh_window(snap_compare: Any) -> None:
    assert snap_compare(dashboard(degraded()), terminal_size=(50, 30))


def test_disconnected_remote(snap_compare: Any) -> None:
    snap = healthy()
    snap["link"] = {"connected": False, "detail": "lost 10.0.0.5:7420: connection reset; retrying"}
    assert snap_compare(dashboard(snap), terminal_size=(80, 24))


def test_quit_confirmation(snap_compare: Any) -> None:
    assert snap_compare(dashboard(healthy()), press=["q"], terminal_size=(80, 24))
