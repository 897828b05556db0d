"""Raw bytes from a second JACK client into a drumbridge input: a SysEx left open must not freeze the clock."""

from __future__ import annotations

import threading
import time

import pytest

from bridge.clock.ephemera import ClockStatus, Transport
from bridge.clock.follower import MidiClockFollower
from bridge.midi.ports import ExternalOutput, VirtualInput
from bridge.timebase import monotonic_time

pytestmark = pytest.mark.jack
PERIOD = 60.0 / 120.0 / 24


def play(out: ExternalOutput, start: float, first: int, ticks: int) -> None:
    """Fake Live's clock: ticks `first`.. of a 120 BPM clock begun at `start`, paced by the wall clock."""
    for k in range(first, first + ticks):
        delay = start + k * PERIOD - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.send([0xF8])


def test_unterminated_sysex_on_the_clock_port_is_dropped_and_the_clock_followed(jack_server) -> None:  # noqa: ANN001
    follower = MidiClockFollower()
    lock = threading.Lock()
    seen: list[list[int]] = []

    def handler(_port: str, data: list[int], t: float) -> None:
        with lock:
            seen.append(data)
            follower.feed(data, t)

    port = VirtualInput("sysex test clock", handler, monotonic_time)
    out = ExternalOutput("sysex test clock", client="raw-sender")
    try:
        out.send([0xFA])
        start = time.monotonic()
        play(out, start, 0, 24 * 2)
        out.send([0xF0, 0x7D, 0x01])  # never terminated
        play(out, start, 24 * 2, 24 * 4)
        deadline = time.monotonic() + 2.0
        while port.stats.dropped_sysex == 0 and time.monotonic() < deadline:
            time.sleep(0.005)  # waiting for the other JACK client's bytes to arrive
        with lock:
            now = time.monotonic()
            assert port.stats.dropped_sysex == 1
            assert follower.transport is Transport.RUNNING
            assert follower.status is ClockStatus.LOCKED
            assert follower.ticks >= 24 * 6 - 10  # only ticks held in the stuck SysEx are lost ...
            assert follower.beat_at(now) == pytest.approx(6.0, abs=0.25)  # ... and the position recovers
            assert not any(m[0] == 0xF0 for m in seen)
        out.send([0xF7])  # a lone end of SysEx afterwards: nothing, and the clock goes on
        play(out, start, 24 * 6, 24)
        deadline = time.monotonic() + 2.0
        while follower.ticks < 24 * 7 - 10 and time.monotonic() < deadline:
            time.sleep(0.005)
        with lock:
            assert follower.status is ClockStatus.LOCKED
            assert follower.beat_at(time.monotonic()) == pytest.approx(7.0, abs=0.25)
            assert port.stats.dropped_bytes >= 1
    finally:
        out.close()
        port.close()
