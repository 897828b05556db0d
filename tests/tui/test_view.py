"""The panels' view functions: right figures from a snapshot, and no crash on missing or malformed topics."""

from __future__ import annotations

import asyncio

from tests.tui.fixtures import StaticSource, degraded, healthy
from tui.app import DashboardApp
from tui.view import (
    RateMeter,
    countdown,
    drum_view,
    header_view,
    log_lines,
    motor_rows,
    osc_cues,
    osc_rows,
    port_rows,
    responder_names,
    responder_row,
    responder_severity,
    transport_view,
)

BROKEN = {"state": {"clock": "garbage", "drum": {"motors": "x", "link_state": None},
                    "osc": {"targets": [1, None, {"name": "v"}], "cues": "nope"}, "responder.x": 3,
                    "ports": {"inputs": None}},
          "log": [None, {"level": "shout"}]}


def test_missing_topics_read_as_dashes_and_not_configured() -> None:
    for snap in ({}, {"state": None}, BROKEN):
        view = transport_view(snap)
        assert view.bpm == "–" and view.position == "–"
        assert responder_names(snap) == []
        assert motor_rows(snap) == []
        assert port_rows(snap, RateMeter()) == []
    assert not drum_view({}).configured
    assert drum_view(BROKEN).link_state == "NONE" and drum_view(BROKEN).severity == "bad"
    assert osc_rows(BROKEN, RateMeter())[0][1][:3] == ("v", "–", "–")
    assert osc_cues(BROKEN) == []
    assert len(log_lines(BROKEN["log"], "debug")) == 1


def test_the_app_survives_empty_and_broken_snapshots() -> None:
    for snap in ({}, BROKEN):
        app = DashboardApp(StaticSource(snap, specs=[]))

        async def go(app: DashboardApp = app) -> bool:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("m", "t", "p", "f")
                await pilot.pause()
                return app.is_running
        assert asyncio.run(go())


def test_healthy_and_degraded_figures() -> None:
    assert transport_view(healthy()) .severity == "ok"
    assert transport_view(degraded()).status == "STALLED" and transport_view(degraded()).severity == "bad"
    drums = degraded()["state"]["responder.drums"]
    assert responder_row("drums", drums)[5:8] == ("512.0", "-35", "2") and responder_severity(drums) == "bad"
    assert responder_row("bass", healthy()["state"]["responder.bass"])[8] == "MUTED LOOP"
    assert drum_view(degraded()).link_state == "SEARCHING" and drum_view(degraded()).severity == "bad"
    assert [row[1] for _key, row in motor_rows(degraded())] == ["0 beats ago", "2 beats ago", "8 beats ago", "–"]
    assert motor_rows(degraded())[1][1][3] == "3 !"
    assert motor_rows({"state": {"drum": {"motors": [{"motor": 2, "voice": "kick"}]}}}) == [
        ("2", ("2 kick", "–", "–", "–"))]
    assert responder_row("drums", drums)[8] == "FB2"
    assert responder_row("x", {"mode": "call-response"})[8] == ""
    assert responder_row("x", {"mode": "continuous", "muted": True})[8] == "MUTED CONT"
    assert osc_cues(healthy()) == ["intro @1:1", "verse @9:1"]
    assert [row[2] for _key, row in osc_rows(degraded(), RateMeter())] == ["ok", "17 err"]


def test_header_counts_down_to_the_next_call_and_answer() -> None:
    head = header_view(healthy())
    assert (head.digits_position, head.digits_bpm, head.section) == ("12:2", "120", "verse")
    assert head.countdowns == ("bass: answer in 3 bars", "drums: call in 3 beats")
    assert head.alerts == ()
    assert header_view(degraded()).alerts == ("clock stalled 3 s: no ticks on 'drumbridge clock'",
                                              "drum not found (serial = auto), searching 12 s")
    bpb = 4
    assert countdown("d", {"state": "listening", "next_beat": 16.0}, 8.0, bpb) == "d: answer in 2 bars"
    assert countdown("d", {"state": "generating", "next_beat": 16.0}, 15.2, bpb) == "d: answer in 1 beat"
    assert countdown("d", {"state": "responding", "mode": "loop", "next_beat": 16.0}, 9.0, bpb) == \
        "d: loop again in 2 bars"
    assert countdown("d", {"state": "idle", "next_beat": None}, 9.0, bpb) == "d: waiting for a call"
    assert header_view({}).digits_position == "--:-" and header_view({}).countdowns == ()


def test_rate_meter_derives_messages_per_second_from_counters() -> None:
    now = [0.0]
    meter = RateMeter(lambda: now[0])
    assert meter.rate("a", 100) is None
    now[0] = 0.5
    assert meter.rate("a", 110) is None  # under the window: not known yet
    now[0] = 2.0
    assert meter.rate("a", 140) == 20.0
    assert meter.rate("a", 5) is None  # counter restarted (show restarted): unknown until measured again
    assert meter.rate("a", "x") is None


def test_log_lines_filter_by_level_and_text() -> None:
    events = degraded()["log"]
    assert [lvl for lvl, _ in log_lines(events)] == ["warning", "error", "warning", "warning"]
    assert [lvl for lvl, _ in log_lines(events, "error")] == ["error"]
    assert len(log_lines(events, "debug")) == len(events)
    assert [line for _, line in log_lines(events, "debug", "STALLED")] == [
        "15:07:21 WARN clock: clock stalled: no MIDI clock on 'drumbridge clock' for 2 s while playing; "
        "the show waits for it"]
    assert len(log_lines(events, "debug", limit=2)) == 2
