"""Trouble in words: no clock from Live yet, a stalled clock, a drum board not found; and the song section."""

from __future__ import annotations

from bridge.cli.run_cmd import watch_stage
from bridge.midi.factory import MemoryPorts
from bridge.osc.config import SongSection
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.stage_watch import REPEAT_S, section_at
from bridge.timebase import ManualTime

MIDI_SET = """
name = "follow"
[clock]
source = "midi"
"""


def midi_show() -> tuple[Show, ManualTime, MemoryPorts]:
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set(MIDI_SET), ports, time)
    watch_stage(show)
    return show, time, ports


def warnings(show: Show, words: str) -> list[str]:
    return [e.message for e in show.telemetry.recent("warning") if words in e.message]


def test_no_clock_yet_says_waiting_for_live_and_repeats() -> None:
    show, time, _ports = midi_show()
    run_virtual(show.engine, time, 1.0)
    assert show.telemetry.get("stage")["clock_alert"] == "waiting for Live's clock on 'drumbridge clock'"
    assert warnings(show, "waiting for Live's clock") == [], "not at once: the first second is start-up"
    run_virtual(show.engine, time, 3.0 + 2 * REPEAT_S)
    said = warnings(show, "waiting for Live's clock on 'drumbridge clock'")
    assert len(said) == 3, said  # at 2 s, then every REPEAT_S while it lasts


def test_a_stalled_clock_is_said_in_words_and_its_return_too() -> None:
    show, time, ports = midi_show()
    clock_in = ports.inputs["drumbridge clock"]
    clock_in.inject([0xFA], 0.0)  # Start
    tick = 0.5 / 24
    for i in range(24 * 8):  # 8 beats at 120 BPM
        t = 0.01 + i * tick
        run_virtual(show.engine, time, t)
        clock_in.inject([0xF8], t)
    run_virtual(show.engine, time, time() + 0.1)  # under the 6 ticks (125 ms) that make a stall
    assert show.telemetry.get("stage")["clock_alert"] is None
    run_virtual(show.engine, time, time() + 3.0)  # Live stops sending while playing
    alert = show.telemetry.get("stage")["clock_alert"]
    assert alert is not None and alert.startswith("clock stalled ")
    assert alert.endswith(" s: no ticks on 'drumbridge clock'")
    assert warnings(show, "clock stalled: no MIDI clock on 'drumbridge clock'")


def test_sections_by_bar() -> None:
    sections = [SongSection(name="verse", starts=(1, 17), bars=8), SongSection(name="chorus", starts=(9,), bars=8)]
    assert [section_at(sections, bar) for bar in (1, 8, 9, 16, 17, 25)] == [
        "verse", "verse", "chorus", "chorus", "verse", None]


def test_a_missing_drum_port_is_a_warning_that_repeats_while_searching(tmp_path) -> None:  # noqa: ANN001
    time = ManualTime()
    missing = tmp_path / "ttyACM9"
    show = Show(parse_set(f'name = "drum"\n[clock]\nsource = "internal"\n[drum]\nserial = "{missing}"\n'),
                MemoryPorts(time), time)
    watch_stage(show)
    try:
        run_virtual(show.engine, time, 3.0 + 2 * REPEAT_S)
        said = warnings(show, f"no board on {missing}: still searching after ")
        assert len(said) == 3, said
        assert show.telemetry.get("stage")["drum_alert"].startswith(f"no drum on {missing}, searching ")
    finally:
        show.engine.shutdown()
