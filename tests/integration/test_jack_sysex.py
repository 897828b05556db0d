"""Raw bytes from a second JACK client into a drumbridge input: a SysEx left open holds back nothing but itself.

Our rtmidi build passes realtime bytes on while a SysEx is open and ends the SysEx at the next other
status byte (scripts/rtmidi-drumbridge.patch); stock rtmidi held the clock behind it until an 0xF7.
"""

from __future__ import annotations

import threading
import time

import pytest

from bridge.clock.ephemera import ClockStatus, Transport
from bridge.clock.follower import MidiClockFollower
from bridge.midi.ports import ExternalInput, ExternalOutput, VirtualInput, VirtualOutput
from bridge.timebase import monotonic_time
from tests.waiting import wait_until

pytestmark = pytest.mark.jack
PERIOD = 60.0 / 120.0 / 24


def play(out: ExternalOutput, start: float, first: int, ticks: int) -> None:
    """Fake Live's clock: ticks `first`.. of a 120 BPM clock begun at `start`, paced by the wall clock."""
    for k in range(first, first + ticks):
        delay = start + k * PERIOD - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.send([0xF8])


class Seen:
    """A port handler feeding a clock follower and keeping every other message."""

    def __init__(self) -> None:
        self.follower = MidiClockFollower()
        self.lock = threading.Lock()
        self.other: list[list[int]] = []

    def __call__(self, _port: str, data: list[int], t: float) -> None:
        with self.lock:
            if data[0] >= 0xF8:
                self.follower.feed(data, t)
            else:
                self.other.append(data)


def test_an_open_sysex_never_holds_the_clock_and_the_next_note_ends_it(jack_server: object) -> None:
    seen = Seen()
    port = VirtualInput("sysex test clock", seen, monotonic_time)
    out = ExternalOutput("sysex test clock", client="raw-sender")
    try:
        out.send([0xFA])
        start = time.monotonic()
        play(out, start, 0, 24 * 2)
        out.send([0xF0, 0x7D, 0x01])  # a dump that never ends
        play(out, start, 24 * 2, 24 * 4)
        wait_until(lambda: seen.follower.ticks >= 24 * 6, timeout=2.0)  # every tick, none held behind it
        with seen.lock:
            assert seen.follower.transport is Transport.RUNNING
            assert seen.follower.status is ClockStatus.LOCKED
            assert seen.follower.beat_at(time.monotonic()) == pytest.approx(6.0, abs=0.25)
            assert seen.other == [] and port.stats.dropped_sysex == 0  # the SysEx is still open
        out.send([0x90, 60, 100])  # the next message ends it: dropped and counted, the note kept
        wait_until(lambda: seen.other == [[0x90, 60, 100]], timeout=2.0)
        assert port.stats.dropped_sysex == 1
        out.send([0xF0, 0x7D, 0x02])  # a SysEx with clock inside it, then its end: all of it is kept
        play(out, start, 24 * 6, 12)
        out._write([0x03, 0xF7])  # its end as a separate event (as a2jmidid splits a long SysEx), past our own check
        wait_until(lambda: len(seen.other) == 2, timeout=2.0)
        with seen.lock:
            assert seen.other[1] == [0xF0, 0x7D, 0x02, 0x03, 0xF7]
            assert seen.follower.ticks >= 24 * 6 + 12
            assert seen.follower.status is ClockStatus.LOCKED
        out.send([0xF7])  # a lone end of SysEx: nothing, and the clock goes on
        play(out, start, 24 * 6 + 12, 12)
        wait_until(lambda: port.stats.dropped_bytes >= 1, timeout=2.0)
        with seen.lock:
            assert seen.follower.beat_at(time.monotonic()) == pytest.approx(7.0, abs=0.25)
    finally:
        out.close()
        port.close()


def test_rtmidi_hands_over_the_clock_at_once_and_the_cut_sysex_alone(jack_server: object) -> None:
    """What our rtmidi build itself hands over (any input, `connect`ed ones too): the ticks while the
    SysEx is open, then the SysEx unterminated, then the message that cut it off."""
    source = VirtualOutput("sysex test source", client="raw-source")
    port = ExternalInput("sysex test source", monotonic_time, client="sysex-reader")
    received: list[list[int]] = []

    def collected() -> list[list[int]]:
        received.extend(message for message, _t in port.take())
        return received

    try:
        source.send([0x90, 1, 1])
        wait_until(lambda: [0x90, 1, 1] in collected(), timeout=5.0)  # the connection is live
        source.send([0xF0, 0x7D, 0x05])
        for _ in range(24):
            source.send([0xF8])
        wait_until(lambda: collected().count([0xF8]) == 24, timeout=2.0)
        source.send([0x90, 62, 90])
        wait_until(lambda: [0x90, 62, 90] in collected(), timeout=2.0)
        assert received == [[0x90, 1, 1]] + [[0xF8]] * 24 + [[0xF0, 0x7D, 0x05], [0x90, 62, 90]]
    finally:
        port.close()
        source.close()
