"""Says in words what the FOH engineer must know at a glance: no clock yet, a stalled clock, a drum not found.

It reads what the clock source and the drum link already publish and turns long-lasting trouble into
plain sentences: under telemetry topic "stage" (the dashboard's header shows them) and as warnings in
the log that repeat while the trouble lasts (the headless console and the dashboard's log panel), so
a missing board or a silent Live is never just silence. It also names the song section playing now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bridge.clock import ClockSource
from bridge.clock.ephemera import ClockStatus, Transport
from bridge.component import Component
from bridge.osc.config import SongSection
from bridge.telemetry import Telemetry
from bridge.telemetry_types import StageTopic

FIRST_WARNING_S = 2.0  # trouble shorter than this is start-up, not worth a warning
REPEAT_S = 10.0  # while trouble lasts, its warning comes back this often


class Trouble:
    """One kind of trouble: since when it lasts and when it was last said in the log."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.said: float | None = None

    def update(self, present: bool, now: float) -> bool:
        """Record whether the trouble is there now; True when its warning is due (first, or a repeat)."""
        if not present:
            self.since = self.said = None
            return False
        if self.since is None:
            self.since = now
        due = now - self.since >= FIRST_WARNING_S and (self.said is None or now - self.said >= REPEAT_S)
        if due:
            self.said = now
        return due

    def lasted(self, now: float) -> float:
        return 0.0 if self.since is None else now - self.since


def section_at(sections: Sequence[SongSection], bar: int) -> str | None:
    """The name of the section bar `bar` (1-based) lies in, the latest-starting one when they overlap."""
    best: tuple[int, str] | None = None
    for section in sections:
        for start in section.starts:
            if start <= bar < start + section.bars and (best is None or start >= best[0]):
                best = (start, section.name)
    return None if best is None else best[1]


class StageWatch(Component):
    """Turns clock and drum-link trouble into sentences for the header and repeating log warnings."""

    name = "stage-watch"

    def __init__(self, telemetry: Telemetry, clock: ClockSource, clock_port: str,
                 sections: Sequence[SongSection] = (), cues: Sequence[str] = ()) -> None:
        self.telemetry = telemetry
        self.clock = clock
        self.clock_port = clock_port
        self.sections = tuple(sections)
        self.cues = list(cues)
        self.waiting = Trouble()
        self.stalled = Trouble()
        self.drum_missing = Trouble()

    def publish(self, now: float) -> None:
        snap = self.clock.snapshot(now)
        clock_alert = self._clock_alert(snap.source, snap.ticks, snap.status, snap.transport, now)
        drum_alert = self._drum_alert(now)
        running = snap.transport is Transport.RUNNING
        state: StageTopic = {"clock_alert": clock_alert, "drum_alert": drum_alert,
                             "section": section_at(self.sections, snap.bar) if running else None,
                             "cues": list(self.cues)}
        self.telemetry.replace("stage", dict(state))

    def _clock_alert(self, source: str, ticks: int, status: ClockStatus, transport: Transport,
                     now: float) -> str | None:
        if source != "midi":
            return None
        port = self.clock_port
        waiting = ticks == 0
        if self.waiting.update(waiting, now):
            self.telemetry.event("warning", "clock", f"waiting for Live's clock on {port!r}: no MIDI clock "
                                 f"for {self.waiting.lasted(now):.0f} s (in Live, turn Sync on for this output)")
        was_stalled = self.stalled.since is not None
        stalled = status is ClockStatus.STALLED and transport is Transport.RUNNING
        if self.stalled.update(stalled, now):
            self.telemetry.event("warning", "clock", f"clock stalled: no MIDI clock on {port!r} for "
                                 f"{self.stalled.lasted(now):.0f} s while playing; the show waits for it")
        elif was_stalled and not stalled:
            self.telemetry.event("info", "clock", f"clock back on {port!r}")
        if waiting:
            return f"waiting for Live's clock on {port!r}"
        if stalled:
            return f"clock stalled {math.floor(self.stalled.lasted(now))} s: no ticks on {port!r}"
        return None

    def _drum_alert(self, now: float) -> str | None:
        drum = self.telemetry.fields("drum", "link_state", "serial", "last_error")
        searching = drum["link_state"] in ("searching", "disconnected")
        wanted = str(drum.get("serial") or "auto")
        where = "no board found (serial = auto)" if wanted == "auto" else f"no board on {wanted}"
        short = "drum not found (serial = auto)" if wanted == "auto" else f"no drum on {wanted}"
        error = drum.get("last_error") or ""
        if self.drum_missing.update(searching, now):
            self.telemetry.event("warning", "drum", f"{where}: still searching after "
                                 f"{self.drum_missing.lasted(now):.0f} s; drum notes are dropped"
                                 + (f" ({error})" if error else ""))
        link = drum["link_state"]
        if link == "refused":  # the drum's own error says which protocols; this only keeps it in sight
            return "drum refused: its firmware speaks another protocol (see the log)"
        if link == "silent":
            return "drum board not answering (port open): see the log"
        if not searching or self.drum_missing.lasted(now) < FIRST_WARNING_S:
            return None
        return f"{short}, searching {math.floor(self.drum_missing.lasted(now))} s"
