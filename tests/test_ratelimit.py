"""The rate-limited log helper in virtual time, and the engine's use of it for corrupt MIDI and bad commands."""

from __future__ import annotations

from bridge.clock.internal import InternalClock
from bridge.engine import Engine
from bridge.ratelimit import RateLimiter, truncate
from bridge.telemetry import Telemetry
from bridge.timebase import ManualTime


def test_one_line_per_kind_per_second_with_the_count_held_back() -> None:
    time = ManualTime(0.0)
    limiter = RateLimiter(time, interval=1.0, max_chars=20)
    assert limiter.admit("a", "first") == "first"
    assert [limiter.admit("a", "again") for _ in range(5)] == [None] * 5
    assert limiter.admit("b", "other kind") == "other kind"
    time.advance(1.0)
    assert limiter.admit("a", "y" * 100) == "y" * 20 + "… (100 chars) (+5 more like this)"
    assert limiter.total("a") == 7


def test_truncate_says_how_long_the_text_was() -> None:
    assert truncate("short") == "short"
    assert truncate("x" * 1000, 10) == "x" * 10 + "… (1000 chars)"


def test_corrupt_midi_and_failing_commands_log_once_a_second_counted_as_bad_input() -> None:
    time = ManualTime(0.0)
    telemetry = Telemetry(limiter=RateLimiter(time))
    engine = Engine(InternalClock(), telemetry)
    engine.route("keys in", lambda message, t: None)
    seen = telemetry.subscribe()
    for _ in range(200):
        engine.post_midi("keys in", [0x90, 0x3C], 0.0)  # a note-on cut short

        def bad_test() -> None:
            raise ValueError("no motor 99; motors 0..3")
        engine.post_command(bad_test)
    engine.step(0.0)
    lines = []
    while not seen.empty():
        lines.append(seen.get_nowait())
    assert len([e for e in lines if e.source == "midi keys in"]) == 1
    assert len([e for e in lines if e.source == "engine"]) == 1
    state = telemetry.snapshot()["state"]["bad_input"]
    assert state["corrupt midi keys in"] == 200 and state["command failed"] == 200
