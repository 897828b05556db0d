"""The drum link: link state, serial port, firmware, heartbeat, and per-motor hits and safety refusals."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.table_sync import selected_key, set_text, sync_rows
from tui.view import MOTOR_COLUMNS, drum_view, motor_rows

_STYLE = {"ok": "bold green", "warn": "bold yellow", "bad": "bold reverse red"}


class DrumPanel(Vertical):
    """Whether the Arduino is alive and every motor healthy; the cursor row is the motor `t` strikes."""

    def compose(self) -> ComposeResult:
        yield Static(id="drum-link")
        table: DataTable = DataTable(cursor_type="row", id="motor-table")
        for column in MOTOR_COLUMNS:
            table.add_column(column, key=column)
        yield table

    def on_mount(self) -> None:
        self.border_title = "Drum"

    @property
    def selected_motor(self) -> str | None:
        return selected_key(self.query_one(DataTable))

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        view = drum_view(snapshot)
        line = Text()
        line.append(f" {view.link_state} ", style=_STYLE[view.severity] if view.configured else "dim")
        if view.configured:
            line.append(f" hb {view.heartbeat}  fw {view.firmware}  {view.port}")
        set_text(self.query_one("#drum-link", Static), line)
        table = self.query_one(DataTable)
        sync_rows(table, motor_rows(snapshot))
        table.display = view.configured
        self.set_class(view.severity == "bad", "-bad")
