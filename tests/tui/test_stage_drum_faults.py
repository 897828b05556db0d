"""The header says in words when the drum's port is open but its board is refused or not answering."""

from __future__ import annotations

from bridge.clock.internal import InternalClock
from bridge.stage_watch import StageWatch
from bridge.telemetry import Telemetry


def test_refused_and_silent_drum_links_are_named_in_the_header_at_once() -> None:
    telemetry = Telemetry()
    watch = StageWatch(telemetry, InternalClock(120.0), "drumbridge clock")
    for state, words in (("refused", "drum refused: its firmware speaks another protocol"),
                         ("silent", "drum board not answering"), ("connected", None)):
        telemetry.replace("drum", {"link_state": state, "serial": "auto"})
        watch.publish(0.5)
        alert = telemetry.get("stage")["drum_alert"]
        assert (alert is None) if words is None else alert.startswith(words), (state, alert)
