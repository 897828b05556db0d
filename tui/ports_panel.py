"""MIDI ports: every virtual input and output, present or missing, with its traffic."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from tui.table_sync import sync_rows
from tui.view import PORT_COLUMNS, RateMeter, port_rows


class PortsPanel(Vertical):
    """Is each port there, and is anything flowing through it."""

    def __init__(self, rates: RateMeter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rates = rates

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="none", show_header=False, id="port-table")
        for column in PORT_COLUMNS:
            table.add_column(column, key=column)
        yield table

    def on_mount(self) -> None:
        self.border_title = "MIDI ports"

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        rows = port_rows(snapshot, self.rates)
        sync_rows(self.query_one(DataTable), rows)
        self.set_class(any(row[2] not in ("ok", "silent") for _, row in rows), "-bad")
