"""Musical timing in virtual time over real UDP: cues, hits and beats leave at their beat minus the target's latency."""

from __future__ import annotations

import pytest

from bridge.clock.internal import InternalClock
from bridge.engine import Engine
from bridge.osc.config import OscConfig
from bridge.osc.output import OscOutput
from bridge.telemetry import Telemetry
from bridge.timebase import ManualTime
from tests.osc.helpers import UdpReceiver, make_show, one_target_set, run_capturing

BEAT = 0.5  # seconds per beat at 120 BPM


@pytest.fixture
def receivers():
    made: list[UdpReceiver] = []

    def make(count: int) -> list[UdpReceiver]:
        made.extend(UdpReceiver() for _ in range(count))
        return made[-count:]

    yield make
    for receiver in made:
        receiver.close()


def two_target_set(early: UdpReceiver, plain: UdpReceiver, cues: str = "") -> str:
    return f"""
[clock]
source = "internal"
bpm = 120.0
[[osc.targets]]
name = "early"
host = "127.0.0.1"
port = {early.port}
latency_ms = 80
[[osc.targets]]
name = "plain"
host = "127.0.0.1"
port = {plain.port}
{cues}
"""


def test_cue_on_bar_4_leaves_at_bar_4_minus_the_targets_latency(receivers) -> None:
    early, plain = receivers(2)
    show, time = make_show(two_target_set(early, plain, """
[[osc.cues]]
name = "bar4"
at = { bar = 4 }
args = [1.0]
"""))
    run_capturing(show.engine, time, 10.0, [early, plain])
    bar4 = show.clock.time_at(0.0) + 3 * 4 * BEAT  # bar 4 starts at beat 12 = 6 s after the song's start
    (cue_early,) = early.at("/drumbridge/cue/bar4")
    (cue_plain,) = plain.at("/drumbridge/cue/bar4")
    assert cue_plain.time == pytest.approx(bar4, abs=1e-6)
    assert cue_early.time == pytest.approx(bar4 - 0.080, abs=1e-6)
    assert cue_early.args == (1.0,)
    osc = show.telemetry.get("osc")
    assert osc["cues_fired"] == 1 and osc["cues"] == [{"name": "bar4", "bar": 4, "beat": 1}]  # for the dashboard


def test_every_n_bars_inside_a_section_with_mapped_bar_argument(receivers) -> None:
    (rx,) = receivers(1)
    show, time = make_show(one_target_set(rx.port, """
[[osc.sections]]
name = "chorus"
starts = [3, 9]
bars = 4
[[osc.cues]]
name = "pulse"
at = { section = "chorus", every_bars = 2, beat = 3 }
args = [{ map = "bar" }, { map = "beat_in_bar" }, "go"]
""", send=["cue"]))
    run_capturing(show.engine, time, 14 * 4 * BEAT, [rx])
    pulses = rx.at("/drumbridge/cue/pulse")
    # chorus bars 3-6 and 9-12; every 2 bars from its first bar: 3, 5, 9, 11; on beat 3
    assert [m.args for m in pulses] == [(3, 3, "go"), (5, 3, "go"), (9, 3, "go"), (11, 3, "go")]
    origin = show.clock.time_at(0.0)
    assert [m.time for m in pulses] == pytest.approx([origin + ((b - 1) * 4 + 2) * BEAT for b in (3, 5, 9, 11)])
    assert rx.at("/drumbridge/clock/beat") == []  # this target asked for cues only


def test_beats_drum_hits_and_state_follow_each_targets_latency(receivers) -> None:
    early, plain = receivers(2)
    show, time = make_show(two_target_set(early, plain))
    show.engine.start(time())
    show.osc.drum_hit("kick", 0.75, 6.0)
    show.osc.responder_state("drums", "responding", 8.0)
    run_capturing(show.engine, time, 5.0, [early, plain])
    origin = show.clock.time_at(0.0)
    for rx, latency in ((early, 0.080), (plain, 0.0)):
        def due(beat: float) -> float:
            return origin + beat * BEAT - latency  # noqa: B023 - used within this iteration

        beats = rx.at("/drumbridge/clock/beat")
        assert [m.args for m in beats[:5]] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1)]
        assert [m.time for m in beats[1:9]] == pytest.approx([due(b) for b in range(1, 9)], abs=1e-6)
        (kick,) = rx.at("/drumbridge/drum/kick")
        assert kick.args == (0.75,) and kick.time == pytest.approx(due(6), abs=1e-6)
        (state,) = rx.at("/drumbridge/responder/drums/state")
        assert state.args == ("responding",) and state.time == pytest.approx(due(8), abs=1e-6)
        assert rx.at("/drumbridge/clock/bpm")[0].args == (120.0,)


def test_bundles_carry_the_beats_own_time_as_time_tag(receivers) -> None:
    (rx,) = receivers(1)
    time = ManualTime()
    clock = InternalClock(120.0)
    engine = Engine(clock, Telemetry())
    config = OscConfig.model_validate({"targets": [{"name": "v", "host": "127.0.0.1", "port": rx.port,
                                                    "latency_ms": 100, "bundles": True}]})
    engine.add(OscOutput(config, engine.scheduler, engine.telemetry, to_unix=lambda t: 1_900_000_000.0 + t))
    engine.start(0.0)
    clock.poll(0.0)
    clock.start(0.0)
    run_capturing(engine, time, 3.0, [rx])
    origin = clock.time_at(0.0)
    beats = rx.at("/drumbridge/clock/beat")[1:]
    assert len(beats) >= 4
    for message in beats:
        bar, beat = message.args
        position = (bar - 1) * 4 + beat - 1
        assert message.time == pytest.approx(origin + position * BEAT - 0.1, abs=1e-6)  # sent 100 ms early
        assert message.time_tag == pytest.approx(1_900_000_000.0 + origin + position * BEAT, abs=1e-5)  # the beat


def test_stop_cancels_pending_hits_and_restart_reschedules_cues(receivers) -> None:
    (rx,) = receivers(1)
    show, time = make_show(one_target_set(rx.port, """
[[osc.cues]]
name = "every"
at = { every_bars = 1 }
"""))
    show.engine.start(time())
    show.osc.drum_hit("snare", 1.0, 20.0)  # 10 s in: the song is stopped before then
    run_capturing(show.engine, time, 3.0, [rx])
    origin = show.clock.time_at(0.0)
    show.commands.submit("transport", "stop")
    run_capturing(show.engine, time, 12.0, [rx])
    assert rx.at("/drumbridge/drum/snare") == []
    assert [m.time for m in rx.at("/drumbridge/cue/every")] == pytest.approx([origin, origin + 2.0])
    transports = [m.args[0] for m in rx.at("/drumbridge/clock/transport")]
    assert transports == ["start", "stop"]
    show.commands.submit("transport", "continue")
    run_capturing(show.engine, time, 16.0, [rx])
    # continued where it stopped (beat ~5.96): the next cue is bar 3 (beat 8), on the continued clock's grid
    third = rx.at("/drumbridge/cue/every")[2]
    assert third.time == pytest.approx(show.clock.time_at(8.0), abs=1e-6)
    assert 12.0 < third.time < 14.0


def test_after_a_stalled_clock_no_burst_of_stale_beats(receivers) -> None:
    (rx,) = receivers(1)
    show, time = make_show(one_target_set(rx.port, """
[[osc.cues]]
name = "bar"
at = { every_bars = 1 }
""", source="midi"))
    tick = BEAT / 24
    start = 0.1
    ticks = [start + k * tick for k in range(24 * 8)]  # 8 beats, then Live's clock goes silent for 4 s...
    ticks += [ticks[-1] + 4.0 + k * tick for k in range(1, 24 * 8)]  # ...and comes back (the song went on)
    inputs = [(start - 0.05, "drumbridge clock", [0xFA])] + [(t, "drumbridge clock", [0xF8]) for t in ticks]
    run_capturing(show.engine, time, ticks[-1] + 0.01, [rx], inputs)
    beats = rx.at("/drumbridge/clock/beat")
    after = [m for m in beats if m.time > ticks[24 * 8 - 1] + 1.0]
    # the follower counts the song on from where the ticks resumed; each beat goes out once, near its time
    gaps = [b.time - a.time for a, b in zip(after, after[1:])]
    assert gaps and min(gaps) > BEAT * 0.5, gaps
    assert len(rx.at("/drumbridge/cue/bar")) <= 4 + 2


class JumpingClock(InternalClock):
    """An internal clock whose song position can jump ahead while running, as a Link session's can."""

    def jump(self, beats: float) -> None:
        self._anchor_beat += beats


def test_a_jump_in_song_position_sends_no_burst_of_stale_beats(receivers) -> None:
    (rx,) = receivers(1)
    time = ManualTime()
    clock = JumpingClock(120.0)
    engine = Engine(clock, Telemetry())
    config = OscConfig.model_validate({"targets": [{"name": "v", "host": "127.0.0.1", "port": rx.port}],
                                       "cues": [{"name": "each", "at": {"every_bars": 1, "beat": 4}}]})
    output = engine.add(OscOutput(config, engine.scheduler, engine.telemetry))
    engine.start(0.0)
    clock.poll(0.0)
    clock.start(0.0)
    engine.step(0.0)  # the transport change: beat grid and cues scheduled
    run_capturing(engine, time, 1.1, [rx])  # beats 0, 1, 2 (bar 1, beats 1-3)
    clock.jump(4.0)  # now at beat ~6.2: beats 3..6 were never played; beat 7 is next
    run_capturing(engine, time, 2.1, [rx])
    beats = [m.args for m in rx.at("/drumbridge/clock/beat")]
    assert beats == [(1, 1), (1, 2), (1, 3), (2, 4), (3, 1)], beats  # beats 4-7 skipped, then on the grid
    assert output.clock_messages.skipped == 1
    assert [m.time for m in rx.at("/drumbridge/cue/each")] == pytest.approx([clock.time_at(7.0)])  # not beat 3
