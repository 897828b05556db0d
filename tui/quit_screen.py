"""Asks before quitting while the transport runs: quitting the dashboard of a local show stops the show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmQuit(ModalScreen[bool]):
    """y (or Ctrl-C again within 2 s) quits: all notes off, motors off, ports closed; n goes back to the show.

    Esc is the app's panic key everywhere, here too: it silences the show and closes this question.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes, stop the show"),
        Binding("n", "answer(False)", "No, keep playing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-box"):
            yield Static("The transport is running.\nStop the show and quit?  [b]y[/b] / [b]n[/b]\n"
                         "[dim]Ctrl-C again stops; Esc is panic[/dim]")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
