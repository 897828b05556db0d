"""Responders: one row per `responder.<name>` topic; the cursor row is the one the keys act on."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.table_sync import selected_key, sync_rows
from tui.view import RESPONDER_COLUMNS, responder_names, responder_row, responder_severity, topic

_ROW_STYLE = {"ok": "", "warn": "yellow", "bad": "bold red"}


class RespondersPanel(Vertical):
    """State, model, temperature, bars, generation time, deadline margin and late count per responder."""

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=False, id="responder-table")
        for column in RESPONDER_COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static("no responders in this show", id="responders-empty")

    def on_mount(self) -> None:
        self.border_title = "Responders"

    @property
    def selected(self) -> str | None:
        """Name of the responder under the cursor."""
        return selected_key(self.query_one(DataTable))

    def responder(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """The selected responder's topic ({} when none)."""
        name = self.selected
        return topic(snapshot, f"responder.{name}") if name else {}

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        rows = []
        for name in responder_names(snapshot):
            state = topic(snapshot, f"responder.{name}")
            style = _ROW_STYLE[responder_severity(state)]
            rows.append((name, tuple(Text(cell, style=style) if style else cell
                                     for cell in responder_row(name, state))))
        table = self.query_one(DataTable)
        sync_rows(table, rows)
        table.display = bool(rows)
        self.query_one("#responders-empty").display = not rows
        self.set_class(any(responder_severity(topic(snapshot, f"responder.{n}")) == "bad"
                           for n in responder_names(snapshot)), "-bad")
