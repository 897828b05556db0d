"""With NO_COLOR the dashboard must still say what is wrong: every state is a word, not only a colour."""

from __future__ import annotations

import asyncio

import pytest

from tests.tui.fixtures import StaticSource, degraded
from tui.app import DashboardApp


def screen_text(app: DashboardApp, size: tuple[int, int]) -> str:
    async def go() -> str:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
    return asyncio.run(go())


def test_degraded_show_reads_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = DashboardApp(StaticSource(degraded()))
    text = screen_text(app, (80, 24))
    assert app.no_color
    for word in ("STALLED", "SEARCHING", "hb 2400 ms", "3 !", "17 err !", "-35", "ERR  drum: serial link lost"):
        assert word in text, f"{word!r} missing from the NO_COLOR screen:\n{text}"
