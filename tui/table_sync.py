"""Cheap redraws: keep a DataTable's rows equal to (key, cells) without clearing it (the cursor stays put),
and touch a Static only when its text changed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static


def sync_rows(table: DataTable, rows: Sequence[tuple[str, Sequence[str | Text]]]) -> None:
    """Update changed cells, add new rows, drop vanished ones (rows keep their keys)."""
    wanted = {key for key, _ in rows}
    for row_key in list(table.rows):
        if row_key.value not in wanted:
            table.remove_row(row_key)
    present = {row_key.value for row_key in table.rows}
    columns = list(table.columns)
    for key, cells in rows:
        if key not in present:
            table.add_row(*cells, key=key)
            continue
        current = table.get_row(key)
        for column, old, new in zip(columns, current, cells):
            if old != new:
                # Widening means a layout pass; only ask for one when the column must grow.
                wider = len(str(new)) > table.columns[column].get_render_width(table) - 2 * table.cell_padding
                table.update_cell(key, column, new, update_width=wider)


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, None when the table is empty."""
    if table.row_count == 0:
        return None
    row = min(max(table.cursor_row, 0), table.row_count - 1)
    return table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value


def set_text(widget: Static, text: Text, layout: bool = False) -> None:
    """Update a Static only when its text changed (each update costs a repaint, `layout` a reflow)."""
    if getattr(widget, "_shown_text", None) == text:
        return
    widget._shown_text = text  # type: ignore[attr-defined]
    widget.update(text, layout=layout)
