"""OSC out: every target with messages per second, sent and error counts, the last error and the last cues."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.table_sync import set_text, sync_rows
from tui.view import OSC_COLUMNS, RateMeter, osc_cues, osc_last_error, osc_rows


class OscPanel(Vertical):
    """Whether the video machines are getting their cues."""

    def __init__(self, rates: RateMeter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rates = rates

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="none", show_header=False, id="osc-table")
        for column in OSC_COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static(id="osc-status")

    def on_mount(self) -> None:
        self.border_title = "OSC"

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        rows = osc_rows(snapshot, self.rates)
        sync_rows(self.query_one(DataTable), rows)
        status = Text(no_wrap=True, overflow="ellipsis")
        error = osc_last_error(snapshot)
        cues = osc_cues(snapshot)
        if not rows:
            status.append("no OSC targets", style="dim")
        if error:
            status.append(f"ERROR {error}", style="bold red")
        elif cues:
            status.append("cues: " + ", ".join(cues))
        set_text(self.query_one("#osc-status", Static), status)
        self.set_class(bool(error), "-bad")
