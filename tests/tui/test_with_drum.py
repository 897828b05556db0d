"""The dashboard on a show with the real drum component (no board attached): its topic and its commands."""

from __future__ import annotations

import asyncio

from bridge.midi.factory import MemoryPorts
from bridge.remote.source import LocalSource
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime
from tui.app import DashboardApp

SET = """
name = "drum-check"
[clock]
source = "internal"
[drum]
serial = "/dev/drumbridge-no-such-board"
motor_count = 2
"""


def test_drum_panel_and_keys_follow_the_real_drum_component() -> None:
    time = ManualTime()
    show = Show(parse_set(SET), MemoryPorts(time), time)
    try:
        run_virtual(show.engine, time, 1.0)
        app = DashboardApp(LocalSource(show.telemetry, show.commands))

        async def go() -> tuple[str, set[str]]:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                app.drum.query_one("#motor-table").focus()
                await pilot.press("r", "down", "t")
                await pilot.pause()
                enabled = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
                return "\n".join(s.text for s in app.screen._compositor.render_strips()), enabled
        screen, enabled = asyncio.run(go())
        run_virtual(show.engine, time, 1.5)
    finally:
        show.engine.shutdown()
    assert {"reconnect", "test_strike"} <= enabled and "mute" not in enabled
    link = show.telemetry.get("drum")["link_state"].upper()
    assert link in screen and link != "CONNECTED"
    assert app.sent == [("drum.reconnect", ()), ("drum.test", (1, 100))]
    messages = [e.message for e in show.telemetry.recent()]
    assert any("drum.reconnect" in m for m in messages), messages
    assert any("drum.test 1 100" in m or "motor 1" in m for m in messages), messages
