"""Ableton Link over loopback: a second Link peer (standing in for Live) sets tempo and transport."""

from __future__ import annotations

import time

import pytest

from bridge.clock.ephemera import ClockStatus, Transport
from bridge.clock.link import LinkClock, open_link_session
from tests.waiting import wait_until

aalink = pytest.importorskip("aalink", reason="aalink (the 'link' extra) not installed")


def test_link_peer_sets_tempo_and_starts_transport() -> None:
    ours = LinkClock(open_link_session(120.0, 4.0))
    peer = open_link_session(120.0, 4.0)
    try:
        wait_until(lambda: ours.session.num_peers >= 1, what="Link peers to find each other on loopback")
        peer.tempo = 133.0
        wait_until(lambda: (ours.poll(time.monotonic()), abs(ours.bpm - 133.0) < 0.01)[1])
        assert ours.snapshot(time.monotonic()).status is ClockStatus.LOCKED
        assert ours.transport is Transport.STOPPED
        peer.playing = True
        changes: list = []
        wait_until(lambda: bool(changes.extend(ours.poll(time.monotonic())) or changes))
        assert [c.kind for c in changes] == ["start"]
        now = time.monotonic()
        ours.poll(now)
        assert ours.beat_at(now) == pytest.approx(float(peer.beat), abs=0.05)
        assert ours.time_at(ours.beat_at(now) + 1.0) == pytest.approx(now + 60.0 / 133.0, abs=0.01)
    finally:
        peer.enabled = False
        ours.session.enabled = False
