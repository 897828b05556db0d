"""Pilot tests: every dashboard key reaches a real Show (virtual time) as the command it names."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from textual.widgets import Input

from bridge.remote.source import LocalSource
from tests.tui.show_rig import make_show, step, whole_show
from tui.app import DashboardApp
from tui.quit_screen import ConfirmQuit


def press(app: DashboardApp, keys: Sequence[str], size: tuple[int, int] = (100, 30)) -> DashboardApp:
    """Run `app` headless, press `keys`, close it."""
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
    asyncio.run(go())
    return app


def test_panic_key_silences_every_output_and_component() -> None:
    show, time, stand_in, ports = make_show()
    out = show.open_output("test out")
    out.send([0x90, 60, 100])
    press(DashboardApp(LocalSource(show.telemetry, show.commands)), ["p"])
    assert stand_in.panics == 0, "the dashboard must not call the engine itself"
    step(show, time)
    assert stand_in.panics == 1
    assert [0x80, 60, 0] in [data for _t, data in ports.outputs["test out"].sent]


def test_responder_keys_act_on_the_row_under_the_cursor() -> None:
    show, time, stand_in, _ports = make_show()
    press(DashboardApp(LocalSource(show.telemetry, show.commands)), ["m", "down", "m", "l", "x", "plus", "minus"])
    step(show, time)
    assert stand_in.calls == [
        ("responder.mute", "bass", True),
        ("responder.mute", "drums", False),  # drums was muted: m unmutes
        ("responder.loop", "drums", True),
        ("responder.mutate", "drums"),
        ("responder.temperature_step", "drums", 0.1),
        ("responder.temperature_step", "drums", -0.1),
    ]


def test_temperature_falls_back_to_absolute_values_without_a_step_command() -> None:
    show, time, stand_in, _ports = make_show(commands=("responder.temperature",))
    press(DashboardApp(LocalSource(show.telemetry, show.commands)), ["plus", "minus"])
    step(show, time)
    assert stand_in.calls == [("responder.temperature", "bass", 0.9), ("responder.temperature", "bass", 0.7)]


def test_drum_keys_reconnect_and_test_strike_the_selected_motor() -> None:
    show, time, stand_in, _ports = make_show()
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            app.query_one("#motor-table").focus()
            await pilot.press("down", "down", "t")
            await pilot.pause()
    asyncio.run(go())
    step(show, time)
    assert stand_in.calls == [("drum.reconnect",), ("drum.test", 2, 100)]


def test_transport_key_stops_and_starts_the_internal_clock() -> None:
    show, time, _stand_in, _ports = make_show()
    press(DashboardApp(LocalSource(show.telemetry, show.commands)), ["s"])
    step(show, time)
    assert show.telemetry.get("clock")["transport"] == "stopped"
    press(DashboardApp(LocalSource(show.telemetry, show.commands)), ["s"])
    step(show, time)
    assert show.telemetry.get("clock")["transport"] == "running"


def test_keys_for_missing_commands_are_hidden_and_do_nothing() -> None:
    show, time, stand_in, _ports = make_show(commands=())
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> list[str]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("m", "r", "t", "plus")
            await pilot.pause()
            return [b.binding.action for b in app.screen.active_bindings.values() if b.enabled]
    enabled = asyncio.run(go())
    step(show, time)
    assert stand_in.calls == [] and app.sent == []
    assert "panic" in enabled and "transport" in enabled
    assert not {"mute", "reconnect", "test_strike", "loop", "mutate"} & set(enabled)


def test_palette_offers_an_entry_per_available_command() -> None:
    show, _time, _stand_in, _ports = make_show()
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> list[str]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            return [c.title for c in app.get_system_commands(app.screen)]
    titles = asyncio.run(go())
    for title in ("Panic", "Mute / unmute responder", "Temperature up", "Temperature down", "Loop on / off",
                  "Mutate", "Reconnect drum link", "Test-strike motor", "Stop the show and quit"):
        assert title in titles


def test_quit_asks_while_the_transport_runs() -> None:
    show, time, _stand_in, _ports = make_show()
    app = DashboardApp(LocalSource(show.telemetry, show.commands), refresh_hz=20)

    async def go() -> tuple[bool, bool, bool]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("q")
            asked = isinstance(app.screen, ConfirmQuit)
            step(show, time)  # fresh telemetry: the dashboard redraws while the dialog is up
            await pilot.pause(0.3)
            await pilot.press("n")
            still_running = app.is_running and not isinstance(app.screen, ConfirmQuit)
            await pilot.press("q", "y")
            await pilot.pause()
            return asked, still_running, app.is_running
    asked, kept, running_after_yes = asyncio.run(go())
    assert asked and kept and not running_after_yes


def test_quit_is_immediate_when_stopped() -> None:
    show, time, _stand_in, _ports = make_show()
    show.commands.submit("transport", "stop")
    step(show, time)
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> bool:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("q")
            await pilot.pause()
            return app.is_running
    assert asyncio.run(go()) is False


def test_log_filter_keys() -> None:
    show, _time, _stand_in, _ports = make_show()
    show.telemetry.event("warning", "drum", "heartbeat late")
    show.telemetry.event("error", "osc video2", "no route to host")
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> tuple[str, str, str]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            first = str(app.query_one("#log-lines").render())
            await pilot.press("f")  # errors only
            await pilot.pause()
            errors_only = str(app.query_one("#log-lines").render())
            await pilot.press("f", "slash", *"transport", "enter")  # everything, containing "transport"
            await pilot.pause()
            return first, errors_only, str(app.query_one("#log-lines").render())
    first, errors_only, found = asyncio.run(go())
    assert "heartbeat late" in first and "no route" in first and "transport start" not in first
    assert "no route" in errors_only and "heartbeat late" not in errors_only
    assert "transport start" in found and "no route" not in found


def test_escape_is_panic_from_every_focus_and_p_types_in_the_filter() -> None:
    show, time, stand_in, _ports = make_show()
    app = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> tuple[str, bool, int]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("escape")  # the responders table has focus
            app.query_one("#motor-table").focus()
            await pilot.press("escape")
            await pilot.press("slash", "p", "o")  # typing in the log filter: p is a letter there
            typed = app.query_one("#log-filter", Input).value
            await pilot.press("escape")  # ...and Esc is still panic, closing the filter
            closed = not app.query_one("#log-filter").display
            await pilot.press("ctrl+p")  # the command palette
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            palette_closed = app.screen is app.screen_stack[0]
            await pilot.press("q")  # the quit question
            await pilot.press("escape")
            await pilot.pause()
            return typed, closed and palette_closed and not isinstance(app.screen, ConfirmQuit), app.is_running
    typed, closed, running = asyncio.run(go())
    step(show, time)
    assert typed == "po"
    assert closed and running
    assert stand_in.panics == 5, "one panic per Esc, wherever the focus was"


def test_p_is_panic_outside_text_input() -> None:
    show, time, stand_in, _ports = make_show()
    app = DashboardApp(LocalSource(show.telemetry, show.commands))
    press(app, ["p"])
    app2 = DashboardApp(LocalSource(show.telemetry, show.commands))

    async def go() -> None:
        async with app2.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app2.query_one("#motor-table").focus()
            await pilot.press("p")
            await pilot.pause()
    asyncio.run(go())
    step(show, time)
    assert stand_in.panics == 2


def test_ctrl_c_asks_once_and_a_second_press_within_2_s_stops() -> None:
    show, _time, _stand_in, _ports = make_show()
    now = [100.0]
    app = DashboardApp(LocalSource(show.telemetry, show.commands), clock=lambda: now[0])

    async def go() -> tuple[bool, bool, bool, bool]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+c")
            asked = isinstance(app.screen, ConfirmQuit) and app.is_running
            now[0] += 2.5  # too late for a double press: still asking, not stopped
            await pilot.press("ctrl+c")
            await pilot.pause()
            still = isinstance(app.screen, ConfirmQuit) and app.is_running
            await pilot.press("n")
            now[0] += 10.0
            await pilot.press("ctrl+c")
            again = isinstance(app.screen, ConfirmQuit)
            now[0] += 1.5
            await pilot.press("ctrl+c")
            await pilot.pause()
            return asked, still, again, app.is_running
    asked, still, again, running = asyncio.run(go())
    assert asked and still and again
    assert running is False, "a second Ctrl-C within 2 s stops the show"


def test_palette_lists_every_command_a_real_show_registers(tmp_path) -> None:  # noqa: ANN001
    from bridge.runner import run_virtual

    show, time = whole_show(tmp_path, "palette", "drop", cue_every_bars=4)
    try:
        run_virtual(show.engine, time, 0.5)
        app = DashboardApp(LocalSource(show.telemetry, show.commands))

        async def go() -> list[str]:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                return [c.title for c in app.get_system_commands(app.screen)]
        titles = asyncio.run(go())
    finally:
        show.engine.shutdown()
    for title in ("Panic", "Bars: call 4, answer 4", "Model: builtin:drums", "Cue: drop", "Responder panic",
                  "drum.save", "drum.status", "drum.calibrate", "Start / stop transport"):
        assert title in titles, (title, titles)
    palette_names = {spec.name for spec in show.commands.specs()}
    assert {"responder.bars", "responder.model", "osc.cue", "drum.calibrate"} <= palette_names
