"""The log: warnings and errors by default; `f` cycles the level floor, `/` filters by text."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from tui.table_sync import set_text
from tui.view import LEVELS, log_lines

_STYLE = {"debug": "dim", "info": "", "warning": "yellow", "error": "bold red"}


class LogPanel(Vertical):
    """The newest log events that pass the filter, newest at the bottom."""

    min_level: reactive[str] = reactive("warning")
    text_filter: reactive[str] = reactive("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._events: list[Any] = []
        self._shown: tuple[Any, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="log-lines")
        yield Input(placeholder="filter text (Enter applies; Esc is panic and closes)", id="log-filter")

    def on_mount(self) -> None:
        self.query_one(Input).display = False
        self._retitle()

    def cycle_level(self) -> None:
        """warning+ → error → everything → info+ → warning+."""
        order = ["warning", "error", "debug", "info"]
        self.min_level = order[(order.index(self.min_level) + 1) % len(order)]

    def open_filter(self) -> None:
        field = self.query_one(Input)
        field.display = True
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.text_filter = event.value
        event.input.display = False
        event.stop()

    def close_filter(self) -> None:
        """Hide the filter field (Esc: the app's panic key closes it too)."""
        if self.is_mounted:
            self.query_one(Input).display = False

    def watch_min_level(self) -> None:
        self._retitle()
        self._render_lines(force=True)

    def watch_text_filter(self) -> None:
        self._retitle()
        self._render_lines(force=True)

    def _retitle(self) -> None:
        level = "all" if self.min_level == "debug" else f"{self.min_level}+"
        self.border_title = f"Log ({level}{', ' + repr(self.text_filter) if self.text_filter else ''})"
        self.border_subtitle = "f level  / find"  # the log's own keys, here rather than in a full footer

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        events = snapshot.get("log")
        self._events = events if isinstance(events, list) else []
        self._render_lines()

    def _render_lines(self, force: bool = False) -> None:
        if not self.is_mounted:
            return
        height = max(1, self.query_one("#log-lines").size.height or self.size.height or 10)
        lines = log_lines(self._events, self.min_level, self.text_filter, limit=max(height, 1))
        key = (len(self._events), tuple(lines))
        if key == self._shown and not force:
            return
        self._shown = key
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, (level, line) in enumerate(lines):
            text.append(("\n" if i else "") + line, style=_STYLE.get(level, ""))
        if not lines:
            text.append(f"nothing at {self.min_level} or above" if self.min_level in LEVELS else "", style="dim")
        set_text(self.query_one("#log-lines", Static), text)
