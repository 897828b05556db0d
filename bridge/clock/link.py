"""Ableton Link as the clock: tempo and beat shared with Live and other peers over the LAN (via aalink)."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any, Protocol

from bridge.clock.ephemera import ClockSnapshot, ClockStatus, Transport, TransportChange


class LinkSession(Protocol):
    """The part of an `aalink.Link` the clock reads."""

    beat: float
    tempo: float
    playing: bool
    num_peers: int
    start_stop_sync_enabled: bool


_loop: asyncio.AbstractEventLoop | None = None


def _link_loop() -> asyncio.AbstractEventLoop:
    """aalink delivers its callbacks on an asyncio loop: give it one on a daemon thread of its own."""
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        threading.Thread(target=_loop.run_forever, name="drumbridge-link", daemon=True).start()
    return _loop


def open_link_session(bpm: float, quantum: float) -> Any:
    """Join the Link session (import aalink lazily: it is an optional extra)."""
    try:
        import aalink
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "clock.source = 'link' needs the aalink package: pip install 'drumbridge[link]'"
        ) from error

    async def create() -> Any:
        session = aalink.Link(bpm)
        session.quantum = quantum
        session.start_stop_sync_enabled = True
        session.enabled = True
        return session

    return asyncio.run_coroutine_threadsafe(create(), _link_loop()).result(timeout=5)


class LinkClock:
    """A clock source that reads an Ableton Link session at each poll and extrapolates between polls."""

    name = "link"

    def __init__(self, session: LinkSession, beats_per_bar: int = 4, follow_transport: bool = True) -> None:
        self.session = session
        self.beats_per_bar = beats_per_bar
        self.follow_transport = follow_transport
        self._anchor_time = 0.0
        self._anchor_beat = 0.0
        self._tempo = float(session.tempo)
        self._transport = Transport.STOPPED if follow_transport else Transport.RUNNING
        self._changes: list[TransportChange] = []

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def bpm(self) -> float:
        return self._tempo

    def beat_at(self, t: float) -> float:
        return self._anchor_beat + (t - self._anchor_time) * self._tempo / 60.0

    def time_at(self, beat: float) -> float:
        if self._transport is Transport.STOPPED:
            return math.inf
        return self._anchor_time + (beat - self._anchor_beat) * 60.0 / self._tempo

    def poll(self, now: float) -> list[TransportChange]:
        """Re-anchor on the session's current beat and tempo; report start/stop from peers."""
        self._anchor_time = now
        self._anchor_beat = float(self.session.beat)
        self._tempo = float(self.session.tempo)
        if self.follow_transport:
            playing = bool(self.session.playing)
            running = self._transport is Transport.RUNNING
            if playing and not running:
                self._transport = Transport.RUNNING
                self._changes.append(TransportChange("start", self._anchor_beat, now))
            elif running and not playing:
                self._transport = Transport.STOPPED
                self._changes.append(TransportChange("stop", self._anchor_beat, now))
        changes, self._changes = self._changes, []
        return changes

    def next_wakeup(self, now: float) -> float:
        return now + 0.01  # re-read the session often: peers can change tempo at any time

    def snapshot(self, now: float) -> ClockSnapshot:
        return ClockSnapshot(
            source=self.name,
            time=now,
            beat=self.beat_at(now),
            bpm=self._tempo,
            transport=self._transport,
            status=ClockStatus.LOCKED if self.session.num_peers > 0 else ClockStatus.FREE,
            beats_per_bar=self.beats_per_bar,
        )
