"""The dashboard reads the drum's fault link states (silent, refused) as faults, not as a healthy link."""

from __future__ import annotations

from tui.view import drum_view


def test_silent_and_refused_links_are_shown_as_faults() -> None:
    for state in ("silent", "refused"):
        view = drum_view({"state": {"drum": {"link_state": state, "port": "/dev/ttyACM0", "firmware": "9.0.0"}}})
        assert view.link_state == state.upper() and view.severity == "bad"
    assert drum_view({"state": {"drum": {"link_state": "connected"}}}).severity == "ok"
