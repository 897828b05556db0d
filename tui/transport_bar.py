"""The top line: show name, transport, bar:beat, BPM, clock lock status, jitter, and the attach link."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.table_sync import set_text
from tui.view import topic, transport_view


class TransportBar(Static):
    """One line that says at a glance whether the clock can be trusted."""

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        view = transport_view(snapshot)
        name = topic(snapshot, "show").get("name") or "drumbridge"
        link = found if isinstance(found := snapshot.get("link"), dict) else {}
        connected = link.get("connected", True)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {name} ", style="bold reverse")
        if not connected:
            text.append(" DISCONNECTED ", style="bold reverse red")
        text.append(f" {view.transport:<7} ", style="bold")
        text.append(f"bar {view.position:<6} ")
        text.append(f"{view.bpm} BPM ", style="bold")
        text.append(f" {view.status} ", style=_SEVERITY_STYLE[view.severity])
        text.append(f" {view.source}  jitter {view.jitter}")
        if not connected:
            text.append(f"  {link.get('detail', '')}")
        self.set_class(view.severity == "bad" or not connected, "-bad")
        set_text(self, text)


_SEVERITY_STYLE = {"ok": "bold green", "warn": "bold yellow", "bad": "bold reverse red"}
