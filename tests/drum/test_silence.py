"""The reply timeout: SilenceWatch in virtual time, and the drum dropping and re-finding a silent board."""

from __future__ import annotations

import math

from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig
from bridge.drum.silence import SilenceWatch
from tests.drum.test_drum_virtual import BOOT, HELLO, Rig


def status_reply() -> bytes:
    return bytes((0xF0, 0x7D, p.REPLY_STATUS, 0x01, 0)) + b"".join(p.pack32(0) for _ in p.STATUS_COUNTERS) + b"\xF7"


def test_watch_times_out_only_for_an_unanswered_request_after_the_board_spoke() -> None:
    watch = SilenceWatch(1.0)
    watch.asked(0.0)
    assert watch.deadline() == math.inf and not watch.expired(100.0)  # not armed: bootloader silence is fine
    watch.arm()
    assert not watch.expired(100.0)  # armed, nothing asked: an idle board may stay quiet
    watch.asked(10.0)
    watch.asked(10.5)  # the clock runs from the oldest request since the last byte
    assert watch.deadline() == 11.0 and not watch.expired(10.99) and watch.expired(11.0)
    watch.heard()
    assert not watch.expired(50.0)
    watch.asked(60.0)
    watch.reset()  # a new connection
    assert not watch.armed and not watch.expired(70.0)


def test_timeout_is_the_protocols_and_well_above_the_boards_reply_time() -> None:
    assert SilenceWatch().timeout == p.REPLY_TIMEOUT_MS / 1000.0 == 1.0
    assert p.REPLY_TIMEOUT_MS > 3 * 300  # EEPROM save ACK takes up to ~0.3 s


def test_a_board_that_stops_answering_is_dropped_and_found_again() -> None:
    rig = Rig()
    rig.link.receive(BOOT)
    rig.run(1.5)  # status poll at 1.0 s is outstanding
    assert rig.drum.link_state == "connected"
    rig.run(1.99)
    assert rig.link.state == "connected" and rig.drum.link_state == "connected"
    rig.run(2.01)  # 1.0 s after the unanswered poll
    assert rig.link.state == "searching" and rig.drum.link_state == "searching"
    warnings = [e.message for e in rig.engine.telemetry.recent("warning")]
    assert "board silent for 1.0 s: reconnecting" in warnings
    assert any("board silent for 1.0 s; notes are dropped" in m for m in warnings), warnings
    rig.link.plug()  # the port comes back (a real Uno resets on open)
    rig.run(2.5)
    assert rig.drum.link_state == "silent"  # open, but the board has not said a word yet
    rig.engine.telemetry.replace("drum", {})
    rig.run(2.6)
    assert rig.engine.telemetry.get("drum")["link_state"] == "silent"
    rig.link.receive(HELLO)
    rig.run(2.7)
    assert rig.drum.link_state == "connected" and rig.link.stats.connects == 2


def test_a_board_that_answers_every_poll_is_never_dropped_even_with_slow_polls() -> None:
    rig = Rig(DrumConfig(status_interval_ms=5000))
    rig.link.receive(BOOT)
    t, seen = 0.0, 0
    while t < 30.0:
        t += 0.25
        rig.run(t)
        polls = rig.sent(p.status_get())
        if polls > seen:  # answered within a quarter second, as the board does within 0.2 ms
            rig.link.receive(status_reply())
            seen = polls
    assert rig.link.state == "connected" and rig.link.stats.connects == 1
    assert rig.sent(p.status_get()) == 5  # at 5, 10, .. 25 s


def test_the_bootloaders_silence_after_opening_is_not_a_timeout() -> None:
    rig = Rig()
    rig.run(2.9)  # hello retried, status polled, no byte yet
    assert rig.link.state == "connected" and rig.link.stats.connects == 1
