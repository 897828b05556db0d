"""The header: bar:beat and BPM in big digits, the section, what comes next, and trouble in words."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Digits, Static

from tui.table_sync import set_text
from tui.view import DASH, header_view, topic, transport_view


class TransportBar(Horizontal):
    """Three lines readable from across the room: where the song is, how fast, and what happens next."""

    def compose(self) -> ComposeResult:
        yield Digits("--:-", id="big-position")
        yield Digits("---", id="big-bpm")
        yield Static("BPM", id="bpm-label")
        yield Static(id="header-info")

    def show(self, snapshot: dict[str, Any]) -> None:
        """Redraw from a telemetry snapshot."""
        view, head = transport_view(snapshot), header_view(snapshot)
        name = topic(snapshot, "show").get("name") or "drumbridge"
        raw_link = snapshot.get("link")
        link: dict[str, Any] = raw_link if isinstance(raw_link, dict) else {}
        connected = link.get("connected", True)
        position, bpm = self.query_one("#big-position", Digits), self.query_one("#big-bpm", Digits)
        if position.value != head.digits_position:
            position.update(head.digits_position)
        if bpm.value != head.digits_bpm:
            bpm.update(head.digits_bpm)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {name} ", style="bold reverse")
        if not connected:
            text.append(" DISCONNECTED ", style="bold reverse red")
        text.append(f" {view.transport} ", style="bold")
        text.append(f" {view.status} ", style=_SEVERITY_STYLE[view.severity])
        if self.screen.has_class("-narrow"):  # no room for the big digits: bar:beat goes in the text
            text.append(f" bar {view.position}", style="bold")
        text.append(f" {view.bpm} BPM {view.source} ±{view.jitter}\n")
        trouble = [str(link.get("detail", ""))] if not connected else list(head.alerts)
        room = self.query_one("#header-info").size.width or 50
        parts = ([f"[{head.section}]"] if head.section else []) + list(head.countdowns)
        if not parts:
            parts = ["no responders" if not head.has_responders else DASH]
        lines = _fill(parts, room, 2 - min(len(trouble), 2))  # trouble goes first: countdowns give way
        text.append("\n".join(lines))
        if trouble:
            text.append("\n" if lines else "")
            text.append("\n".join(f" {line}" for line in trouble[:2]), style="bold red")
        self.set_class(view.severity == "bad" or not connected or bool(head.alerts), "-bad")
        set_text(self.query_one("#header-info", Static), text)


def _fill(parts: list[str], width: int, lines: int) -> list[str]:
    """Lay `parts` out on at most `lines` lines of `width`, joined by " · " (the last line may overflow)."""
    out: list[str] = []
    for part in parts:
        if out and len(out) <= lines and len(out[-1]) + 3 + len(part) + 1 <= width:
            out[-1] += " · " + part
        elif len(out) < lines:
            out.append(" " + part)
        elif out:
            out[-1] += " · " + part
    return out


_SEVERITY_STYLE = {"ok": "bold green", "warn": "bold yellow", "bad": "bold reverse red"}
