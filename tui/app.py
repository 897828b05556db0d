"""The FOH dashboard app: polls a state source 10–20 times a second and turns keys into show commands.

The app never calls into the engine: it reads `source.snapshot()` on a timer and sends named
commands with `source.submit()`. Keys whose command the show does not register (no drum link,
no responders yet) are hidden from the footer and the command palette.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from bridge.commands import CommandError
from bridge.remote.source import StateSource
from bridge.runner import freeze_heap
from tui.drum_panel import DrumPanel
from tui.log_panel import LogPanel
from tui.osc_panel import OscPanel
from tui.ports_panel import PortsPanel
from tui.quit_screen import ConfirmQuit
from tui.responders_panel import RespondersPanel
from tui.transport_bar import TransportBar
from tui.view import RateMeter, topic

TEMPERATURE_STEP = 0.1
TEST_VELOCITY = 100  # MIDI velocity of a test strike
NARROW_WIDTH = 70  # below this many columns the panels stack in one column
BAR_CHOICES = (1, 2, 4, 8)  # call/answer lengths the palette offers
INTERRUPT_WINDOW_S = 2.0  # a second Ctrl-C within this many seconds stops the show without asking

# action → the commands it can use (any one is enough); actions not listed need none.
ACTION_COMMANDS: dict[str, tuple[str, ...]] = {
    "panic": ("panic",),
    "mute": ("responder.mute",),
    "temperature": ("responder.temperature_step", "responder.temperature"),
    "loop": ("responder.loop",),
    "mutate": ("responder.mutate",),
    "reconnect": ("drum.reconnect",),
    "test_strike": ("drum.test",),
    "transport": ("transport",),
}


class DashboardApp(App[None]):
    """Transport, responders, drum, OSC, MIDI ports and log on one screen, with keys to steer the show."""

    CSS_PATH = "dashboard.tcss"
    TITLE = "drumbridge"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "panic", "Panic", key_display="Esc", priority=True,
                tooltip="all notes off, all motors off (from every focus, QLab's convention)"),
        Binding("p", "panic", "Panic", show=False, tooltip="all notes off, all motors off"),
        Binding("m", "mute", "Mute", tooltip="mute / unmute the responder under the cursor"),
        Binding("plus,equals_sign", "temperature(1)", "Temp", key_display="+/-", tooltip="temperature up"),
        Binding("minus", "temperature(-1)", "Temp-", show=False, tooltip="temperature down"),
        Binding("l", "loop", "Loop", tooltip="loop the last answer on / off"),
        Binding("x", "mutate", "Vary", tooltip="mutate: vary the last answer"),
        Binding("r", "reconnect", "Link", tooltip="reconnect the drum link"),
        Binding("t", "test_strike", "Hit", tooltip="test-strike the motor under the cursor"),
        Binding("s", "transport", "Play", tooltip="start / stop the internal clock"),
        Binding("q", "quit_show", "Quit"),
        Binding("f", "log_level", "Log level", show=False, tooltip="cycle the log's level floor"),
        Binding("slash", "log_filter", "Find", key_display="/", show=False, tooltip="filter the log by text"),
        Binding("ctrl+q", "quit_show", "Quit", show=False, priority=True),
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
    ]

    def __init__(self, source: StateSource, refresh_hz: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.source = source
        self.refresh_hz = refresh_hz
        self.clock = clock
        self.rates = RateMeter(clock)
        self._interrupted_at: float | None = None  # when Ctrl-C was last pressed
        self.snapshot: dict[str, Any] = {}
        self._seen: tuple[Any, ...] = ()
        self._commands: frozenset[str] = frozenset()
        self.sent: list[tuple[str, tuple[Any, ...]]] = []  # every command this dashboard sent, for tests
        self._connected = False
        self.stop_after: float | None = None  # seconds until the dashboard closes by itself (run --seconds)

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Kept as attributes so a refresh never depends on which screen is active.
        self.transport_bar = TransportBar(id="transport")
        self.responders = RespondersPanel(id="responders")
        self.drum = DrumPanel(id="drum")
        self.log_panel = LogPanel(id="log")
        self.panels = (self.transport_bar, self.responders, self.drum, OscPanel(self.rates, id="osc"),
                       PortsPanel(self.rates, id="ports"), self.log_panel)
        yield self.transport_bar
        with Vertical(id="body"):
            yield self.responders
            with Horizontal(id="middle"):
                yield self.drum
                with Vertical(id="io"):
                    yield self.panels[3]
                    yield self.panels[4]
            yield self.log_panel
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = self.source.description
        self.poll()
        self.set_interval(1.0 / self.refresh_hz, self.poll, name="poll")
        # the widgets are built by the first refresh: from then on the collector skips them (a full
        # collection of a dashboard in the show's process holds the GIL the engine needs)
        self.call_after_refresh(freeze_heap)
        if self.stop_after is not None:
            self.set_timer(self.stop_after, self.exit, name="stop-after")

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # -- the refresh path: read a snapshot, redraw what changed -------------------------------------
    def poll(self) -> None:
        """Read the latest snapshot and redraw the panels if anything changed."""
        try:
            snapshot = self.source.snapshot()
        except Exception as error:  # a broken source must not kill the dashboard
            snapshot = {"state": {}, "log": [], "link": {"connected": False, "detail": str(error)}}
        commands = frozenset(spec.name for spec in self._specs())
        if commands != self._commands:
            self._commands = commands
            self.refresh_bindings()
        link = found if isinstance(found := snapshot.get("link"), dict) else {}
        if self.source.owns_show and link.get("connected") is False and self._connected:
            self.exit(message="the show has stopped")  # a dashboard that owns its show ends with it
            return
        self._connected = link.get("connected", True) is not False
        log = snapshot.get("log") or []
        key = (snapshot.get("version"), repr(snapshot.get("link")), len(log), repr(log[-1:]))
        if key == self._seen:
            return
        self._seen = key
        self.snapshot = snapshot
        try:
            for panel in self.panels:
                panel.show(snapshot)
        except NoMatches:  # only when a refresh races the app's shutdown: the panels' children are gone
            pass

    def _specs(self) -> list[Any]:
        try:
            return self.source.specs()
        except Exception:
            return []

    # -- which keys exist ----------------------------------------------------------------------------
    def has_command(self, *names: str) -> bool:
        return any(name in self._commands for name in names)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys whose command the show does not offer (False removes them from the footer)."""
        needed = ACTION_COMMANDS.get(action)
        if needed is None:
            return True
        return self.has_command(*needed)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """A palette entry for every show command this dashboard can send, plus Textual's own."""
        entries = [
            ("Panic", "all notes off on every output, all motors off", "panic", self.action_panic),
            ("Mute / unmute responder", "the responder under the cursor", "mute", self.action_mute),
            ("Temperature up", "the responder under the cursor", "temperature",
             lambda: self.action_temperature(1)),
            ("Temperature down", "the responder under the cursor", "temperature",
             lambda: self.action_temperature(-1)),
            ("Loop on / off", "repeat the last answer of the responder under the cursor", "loop", self.action_loop),
            ("Mutate", "vary the last answer of the responder under the cursor", "mutate", self.action_mutate),
            ("Reconnect drum link", "close and reopen the serial link to the Arduino", "reconnect",
             self.action_reconnect),
            ("Test-strike motor", "strike the motor under the cursor once", "test_strike", self.action_test_strike),
            ("Start / stop transport", "the internal clock", "transport", self.action_transport),
            ("Cycle log level", "warnings+, errors, everything, info+", "log_level", self.action_log_level),
            ("Stop the show and quit" if self.source.owns_show else "Detach", "", "quit_show",
             self.action_quit_show),
        ]
        for title, help_text, action, callback in entries:
            if self.check_action(action, ()):
                yield SystemCommand(title, help_text, callback)
        yield from self._registry_entries()
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit",):
                yield command

    def _registry_entries(self) -> Iterable[SystemCommand]:
        """Palette entries for the show's other registered commands: bars, model, cues, drum, and any newer one."""
        covered = {name for names in ACTION_COMMANDS.values() for name in names}
        responder = self.responders.selected or "the responder under the cursor"
        state = self.responders.responder(self.snapshot)
        cues = topic(self.snapshot, "stage").get("cues")
        for spec in self._specs():
            if spec.name in covered:
                continue
            if spec.name == "responder.bars":
                for bars in BAR_CHOICES:
                    yield SystemCommand(f"Bars: call {bars}, answer {bars}", f"{responder}, from the next call on",
                                        lambda n=bars: self._responder_command("responder.bars", n, n))
            elif spec.name == "responder.model":
                for model in state.get("models") or []:
                    yield SystemCommand(f"Model: {model}", f"switch {responder} to it",
                                        lambda m=model: self._responder_command("responder.model", m))
            elif spec.name == "osc.cue" and isinstance(cues, list) and cues:
                for cue in cues:
                    yield SystemCommand(f"Cue: {cue}", "send this cue now", lambda c=cue: self.send("osc.cue", c))
            elif spec.name.startswith("responder.") and spec.params == ("name",):
                title = spec.name.split(".", 1)[1].replace("_", " ")
                yield SystemCommand(f"Responder {title}", f"{spec.help} ({responder})",
                                    lambda n=spec.name: self._responder_command(n))
            elif not spec.params:
                yield SystemCommand(spec.name, spec.help, lambda n=spec.name: self.send(n))
            else:
                yield SystemCommand(spec.name, f"{spec.help}; takes {', '.join(spec.params)}: send it over OSC "
                                    "or `drumbridge` (the palette has no field for them)",
                                    lambda n=spec.name, p=spec.params: self.notify(
                                        f"{n} needs {', '.join(p)}", severity="warning", timeout=3))

    def _responder_command(self, name: str, *args: Any) -> None:
        responder, _state = self._responder()
        if responder:
            self.send(name, responder, *args)

    # -- actions: each one is a command sent to the show ----------------------------------------------
    def send(self, name: str, *args: Any) -> bool:
        """Submit a command; report a refusal on screen instead of raising."""
        try:
            self.source.submit(name, *args)
        except CommandError as error:
            self.notify(str(error), title=name, severity="error", timeout=4)
            return False
        self.sent.append((name, args))
        self.notify(f"{name} {' '.join(map(str, args))}".strip(), timeout=1.5)
        return True

    def _responder(self) -> tuple[str | None, dict[str, Any]]:
        panel = self.responders
        name = panel.selected
        if name is None:
            self.notify("no responder selected", severity="warning", timeout=2)
        return name, panel.responder(self.snapshot)

    def action_panic(self) -> None:
        """Panic, from any focus: Esc also closes whatever it would have closed (filter, palette, dialog)."""
        self.send("panic")
        self.log_panel.close_filter()
        if isinstance(self.screen, ConfirmQuit):
            self.screen.dismiss(False)  # panic means: keep the show, silence it
        elif isinstance(self.screen, ModalScreen):
            self.pop_screen()  # the command palette

    def action_mute(self) -> None:
        name, state = self._responder()
        if name:
            self.send("responder.mute", name, not bool(state.get("muted")))

    def action_temperature(self, direction: int) -> None:
        name, state = self._responder()
        if not name:
            return
        if self.has_command("responder.temperature_step"):
            self.send("responder.temperature_step", name, round(direction * TEMPERATURE_STEP, 3))
            return
        current = state.get("temperature")
        if not isinstance(current, int | float):
            self.notify(f"{name} publishes no temperature to step from", severity="warning", timeout=2)
            return
        self.send("responder.temperature", name, round(max(0.05, current + direction * TEMPERATURE_STEP), 3))

    def action_loop(self) -> None:
        name, state = self._responder()
        if name:
            looping = bool(state.get("loop")) or state.get("mode") == "loop"
            self.send("responder.loop", name, not looping)

    def action_mutate(self) -> None:
        name, _state = self._responder()
        if name:
            self.send("responder.mutate", name)

    def action_reconnect(self) -> None:
        self.send("drum.reconnect")

    def action_test_strike(self) -> None:
        motor = self.drum.selected_motor
        if motor is None:
            self.notify("no motor selected (the drum publishes no motors)", severity="warning", timeout=2)
            return
        self.send("drum.test", int(motor) if motor.isdigit() else motor, TEST_VELOCITY)

    def action_transport(self) -> None:
        running = topic(self.snapshot, "clock").get("transport") == "running"
        self.send("transport", "stop" if running else "start")

    def action_log_level(self) -> None:
        self.log_panel.cycle_level()

    def action_log_filter(self) -> None:
        self.log_panel.open_filter()

    def action_interrupt(self) -> None:
        """Ctrl-C: the first press asks as `q` does; a second within 2 s stops the show without asking."""
        now = self.clock()
        again = self._interrupted_at is not None and now - self._interrupted_at <= INTERRUPT_WINDOW_S
        self._interrupted_at = now
        if again:
            self.exit()
        else:
            self.action_quit_show()

    def action_quit_show(self) -> None:
        """Quit; while the transport of a show this dashboard owns runs, ask first."""
        if isinstance(self.screen, ConfirmQuit):
            return  # already asking
        running = topic(self.snapshot, "clock").get("transport") == "running"
        if self.source.owns_show and running:
            self.push_screen(ConfirmQuit(), lambda yes: self.exit() if yes else None)
        else:
            self.exit()
