"""The API the responders and the drum link call, and note/state cues, in virtual time over real UDP."""

from __future__ import annotations

import pytest

from tests.osc.helpers import UdpReceiver, make_show, one_target_set, run_capturing

BEAT = 0.5


@pytest.fixture
def video_and_notes():
    a, b = UdpReceiver(), UdpReceiver()
    yield a, b
    a.close()
    b.close()


def set_text(video: UdpReceiver, notes: UdpReceiver) -> str:
    return f"""
[clock]
source = "internal"
[[osc.targets]]
name = "video"
host = "127.0.0.1"
port = {video.port}
latency_ms = 20
[[osc.targets]]
name = "notes"
host = "127.0.0.1"
port = {notes.port}
send = ["notes", "cue"]
[[osc.cues]]
name = "kick"
targets = ["video"]
note = {{ source = "pads", notes = [36, 36], velocity = [64, 127] }}
args = [{{ map = "velocity", to = [0.0, 1.0] }}, {{ map = "bar" }}]
[[osc.cues]]
name = "answer_high"
note = {{ source = "drums", notes = [60, 127] }}
args = [{{ map = "note" }}]
[[osc.cues]]
name = "answering"
address = "/layer/2/opacity"
state = {{ responder = "*", states = ["responding", "listening"] }}
args = [{{ map = "state", values = {{ responding = 1.0, listening = 0.0 }} }}, {{ map = "source" }}]
"""


def test_note_cue_from_a_midi_input(video_and_notes) -> None:
    video, notes = video_and_notes
    show, time = make_show(set_text(video, notes))
    pads = show.open_input("pads")
    run_capturing(show.engine, time, 1.0, [video, notes])
    origin = show.clock.time_at(0.0)
    pads.inject([0x90, 36, 127], 2.0 + origin)  # a hit on beat 4 (bar 2, beat 1... beat index 4 → bar 2)
    pads.inject([0x90, 36, 20], 2.0 + origin)  # too soft
    pads.inject([0x90, 38, 127], 2.0 + origin)  # other note
    time.set(2.0 + origin)
    run_capturing(show.engine, time, 3.0, [video, notes])
    (kick,) = video.at("/drumbridge/cue/kick")
    assert kick.args[0] == pytest.approx(1.0) and kick.args[1] == 2
    assert kick.time == pytest.approx(2.0 + origin)  # an input note is already now: out at once
    assert notes.at("/drumbridge/cue/kick") == []  # the cue names only the video target


def test_responder_notes_states_and_drum_hits(video_and_notes) -> None:
    video, notes = video_and_notes
    show, time = make_show(set_text(video, notes))
    show.engine.start(time())
    show.osc.responder_state("drums", "listening")
    show.osc.responder_state("drums", "responding", 8.0)
    show.osc.responder_note("drums", 62, 127, 8.0)
    show.osc.responder_note("drums", 40, 64, 9.0)  # below the cue's range: note message only
    show.osc.drum_hit("high tom", 2.0, 9.0)  # unsafe name and velocity out of range
    run_capturing(show.engine, time, 6.0, [video, notes])
    origin = show.clock.time_at(0.0)

    assert [m.args for m in notes.at("/drumbridge/responder/drums/note")] == [(62, 1.0), (40, pytest.approx(0.5039))]
    assert notes.at("/drumbridge/responder/drums/note")[0].time == pytest.approx(origin + 8 * BEAT)
    assert video.at("/drumbridge/responder/drums/note") == []  # notes are opt-in per target
    assert [m.args for m in video.at("/drumbridge/responder/drums/state")] == [("listening",), ("responding",)]
    assert notes.at("/drumbridge/responder/drums/state") == []
    for rx, latency in ((video, 0.02), (notes, 0.0)):
        states = rx.at("/drumbridge/layer/2/opacity")
        assert [m.args for m in states] == [(0.0, "drums"), (1.0, "drums")]
        assert states[1].time == pytest.approx(origin + 8 * BEAT - latency)
        (high,) = rx.at("/drumbridge/cue/answer_high")
        assert high.args == (62,)
    (tom,) = video.at("/drumbridge/drum/high_tom")
    assert tom.args == (1.0,) and tom.time == pytest.approx(origin + 9 * BEAT - 0.02)


def test_fire_a_cue_by_command_and_unknown_cue_is_a_warning(video_and_notes) -> None:
    video, notes = video_and_notes
    show, time = make_show(set_text(video, notes))
    show.engine.start(time())
    show.commands.submit("osc.cue", "kick")
    show.commands.submit("osc.cue", "nope")
    run_capturing(show.engine, time, 2.5, [video, notes])
    show.commands.submit("osc.cue", "kick")
    run_capturing(show.engine, time, 2.6, [video, notes])
    first, second = video.at("/drumbridge/cue/kick")
    assert first.args == (0.0, 1)  # no velocity when fired by hand: the mapping's default; bar 1
    assert second.args == (0.0, 2) and second.time == pytest.approx(2.5)  # at once, with the bar it is in
    assert any("no cue named 'nope'" in e.message for e in show.telemetry.recent("warning"))
    assert show.telemetry.get("osc")["cues_fired"] == 2


def test_naming_a_target_in_a_cue_overrides_its_send_list() -> None:
    rx = UdpReceiver()
    show, time = make_show(f"""
[clock]
source = "internal"
[[osc.targets]]
name = "clock_only"
host = "127.0.0.1"
port = {rx.port}
send = ["clock"]
[[osc.cues]]
name = "named"
targets = ["clock_only"]
[[osc.cues]]
name = "unnamed"
""")
    show.engine.start(time())
    show.commands.submit("osc.cue", "named")
    show.commands.submit("osc.cue", "unnamed")
    show.osc.drum_hit("kick", 1.0, None)
    run_capturing(show.engine, time, 0.2, [rx])
    rx.close()
    assert [m.address for m in rx.messages if not m.address.startswith("/drumbridge/clock")] == \
        ["/drumbridge/cue/named"]


def test_panic_drops_pending_hits_but_keeps_bar_cues() -> None:
    rx = UdpReceiver()
    show, time = make_show(one_target_set(rx.port, """
[[osc.cues]]
name = "bar"
at = { every_bars = 1 }
"""))
    show.engine.start(time())
    show.osc.drum_hit("kick", 1.0, 6.0)
    run_capturing(show.engine, time, 1.0, [rx])
    show.commands.submit("panic")
    run_capturing(show.engine, time, 4.5, [rx])
    rx.close()
    assert rx.at("/drumbridge/drum/kick") == []
    assert len(rx.at("/drumbridge/cue/bar")) == 3  # bars 1, 2 and 3 (at 0, 2 and 4 s)


RESPONDERS = ('\n[[responders]]\nname = "drums"\nmodel = "test:toy"\n'
              '[[responders]]\nname = "quiet"\nmodel = "test:toy"\n')


def test_answer_notes_of_the_shows_responders_are_heard_without_their_help(video_and_notes) -> None:
    video, notes = video_and_notes
    show, time = make_show(set_text(video, notes) + RESPONDERS)
    drums, quiet = show.responders
    # a "notes" target: every responder is listened to
    assert len(drums.player.note_listeners) == 1 and len(quiet.player.note_listeners) == 1
    show.engine.start(time())
    drums.player.note_listeners[0](64, 127, 4.0)  # as the responder tells an answer note, ahead of its beat
    run_capturing(show.engine, time, 3.0, [video, notes])
    origin = show.clock.time_at(0.0)
    (note,) = notes.at("/drumbridge/responder/drums/note")
    assert note.args == (64, 1.0) and note.time == pytest.approx(origin + 4 * BEAT)
    assert [m.args for m in video.at("/drumbridge/cue/answer_high")] == [(64,)]


def test_responders_are_not_listened_to_when_nothing_needs_their_notes() -> None:
    rx = UdpReceiver()
    show, time = make_show(f'[clock]\nsource = "internal"\n[[osc.targets]]\nname = "v"\nhost = "127.0.0.1"\n'
                           f'port = {rx.port}\n' + RESPONDERS)
    rx.close()
    assert [r.player.note_listeners for r in show.responders] == [[], []]
