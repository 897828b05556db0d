"""With NO_COLOR the dashboard must still say what is wrong: every state is a word, not only a colour."""

from __future__ import annotations

import asyncio

import pytest

from tests.tui.fixtures import StaticSource, degraded, healthy
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
    for word in ("STALLED", "SEARCHING", "hb 2400 ms", "3 !", "17 err", "-35", "ERR  drum: the board has 4 motors",
                 "clock stalled 3 s: no ticks on 'drumbridge clock'", "drum not found (serial = auto), searching 12 s"):
        assert word in text, f"{word!r} missing from the NO_COLOR screen:\n{text}"


def test_80x24_shows_every_column_and_every_footer_label() -> None:
    text = screen_text(DashboardApp(StaticSource(healthy())), (80, 24))
    for word in ("MUTED LOOP", "refused", "127.0.0.1:9000", "10.0.0.12:9000", "drums out  ok      296",
                 "[verse] · bass: answer in 3 bars", "drums: call in 3 beats", "120.00 BPM",
                 "Esc Panic", "m Mute", "+/- Temp", "l Loop", "x Vary", "r Link", "t Hit", "s Play", "q Quit",
                 "f level  / find"):
        assert word in text, f"{word!r} clipped or missing at 80x24:\n{text}"
    assert "…" not in text, f"something is cut off at 80x24:\n{text}"
