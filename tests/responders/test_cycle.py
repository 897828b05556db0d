"""The call-and-response cycle in virtual time: states on the bar grid, answers from the next bar line, fallbacks."""

from __future__ import annotations

import pytest

from bridge.responders.worker import ThreadWorker
from bridge.timebase import ManualTime
from tests.responders.fakes import BlockingDrums, BrokenDrums, GatedStreamingToy, StreamingToy, ToyDrums
from tests.responders.rig import SECONDS_PER_BEAT, START, make_rig, note, set_text

TOY = {"test:toy": ToyDrums}
CALL = [*note(0.0, 36), *note(1.0, 38), *note(2.0, 36), *note(3.0, 38), *note(5.5, 42)]


def test_call_is_answered_from_the_next_bar_line() -> None:
    rig = make_rig(set_text(), generators=TOY)
    rig.run(17.0, CALL)
    assert rig.states[:4] == [(0.0, "listening"), (7.875, "generating"), (7.996, "responding"), (16.0, "listening")]
    answer = rig.answers[0]
    assert (answer.start_beat, answer.source, answer.late) == (8.0, "model", False)
    ons = rig.note_ons()
    assert ons[0] == (8.0, 36)  # the toy answers on its first step
    assert all(8.0 <= beat < 16.0 and (beat * 4) == int(beat * 4) for beat, _ in ons)  # on the 16th grid
    assert len(ons) == len(answer.answer.notes)
    assert rig.ports.outputs["drumbridge drums out"].sounding.notes == {}  # every note-on got its note-off
    offs = [d for _t, d in rig.sent if d[0] == 0x89]
    assert len(offs) == len(ons)


def test_the_call_is_quantized_to_16ths_from_the_bar_holding_its_first_note() -> None:
    model = ToyDrums()
    rig = make_rig(set_text(), generators={"test:toy": lambda: model})
    # first hit a little before bar 2 (beat 4): it belongs to bar 2; later hits are off the grid
    rig.run(20.0, [*note(3.95, 36), *note(5.07, 38), *note(6.6, 42), *note(11.8, 36)])
    call = model.calls[0]
    assert call.steps == 32
    assert [(n.step, n.pitch) for n in call.notes] == [(0, 36), (4, 38), (10, 42), (31, 36)]
    assert rig.answers[0].start_beat == 12.0


def test_silence_after_an_answer_goes_back_to_idle() -> None:
    rig = make_rig(set_text(), generators=TOY)
    rig.run(30.0, CALL)
    assert [s for _b, s in rig.states] == ["listening", "generating", "responding", "listening", "idle"]
    assert len(rig.answers) == 1


@pytest.mark.parametrize("fallback", ["repeat-call", "repeat-last", "silence"])
def test_a_slow_model_triggers_the_fallback_at_the_answers_first_step(fallback: str) -> None:
    # first answer on time (5 ms), the second takes 200 ms: the budget is half a step (62.5 ms at 120 BPM)
    rig = make_rig(set_text(fallback=fallback), cost=lambda job: 0.005 if job.index == 0 else 0.2,
                   generators=TOY)
    second_call = [*note(16.0, 42), *note(18.0, 42), *note(20.0, 46)]
    rig.run(31.0, [*CALL, *second_call])
    first, second = rig.answers[:2]
    assert (first.late, second.late) == (False, True)
    assert second.start_beat == 24.0 and second.source == f"fallback:{fallback}"
    ons = [(b, p) for b, p in rig.note_ons() if 24.0 <= b < 32.0]
    if fallback == "repeat-call":
        assert ons == [(24.0, 42), (26.0, 42), (28.0, 46)]
    elif fallback == "repeat-last":
        assert ons == [(b + 16.0, p) for b, p in rig.note_ons() if 8.0 <= b < 16.0]
    else:
        assert ons == []
    state = rig.show.telemetry.get("responder.drums")
    assert (state["late"], state["fallbacks"], state["fallback"]) == (1, 1, fallback)
    assert any("not ready" in e.message for e in rig.show.telemetry.recent("warning"))


def test_margin_and_generation_time_are_reported() -> None:
    rig = make_rig(set_text(), cost=lambda job: 0.020, generators=TOY)
    rig.run(9.0, CALL)
    state = rig.show.telemetry.get("responder.drums")
    # the call closes half a step (62.5 ms) before the bar line; 20 ms of model leaves 40.5 ms (2 ms lead)
    assert state["last_gen_ms"] == 20.0
    assert state["margin_ms"] == pytest.approx(42.5, abs=0.01)


def test_a_stuck_worker_thread_never_blocks_the_clock() -> None:
    model = BlockingDrums()
    time = ManualTime()
    rig = make_rig(set_text(), generators={"test:toy": lambda: model}, worker=ThreadWorker("drums", time))
    assert rig.time is not time  # the rig made its own clock; give the worker the same one
    rig.responder.worker.time = rig.time
    try:
        rig.run(7.9, CALL)  # the call has closed and its job is on the worker thread
        assert model.entered.wait(5)
        rig.run(12.0)  # the model is still blocked: virtual time goes on regardless
        assert rig.answers[0].source == "fallback:repeat-call" and rig.answers[0].late
        assert rig.note_ons()[:2] == [(8.0, 36), (9.0, 38)]
    finally:
        model.release.set()
        rig.show.engine.shutdown()


def test_a_crashing_model_falls_back_and_is_reported() -> None:
    rig = make_rig(set_text(), generators={"test:toy": BrokenDrums})
    rig.run(17.0, CALL)
    assert rig.answers[0].source == "fallback:repeat-call"
    state = rig.show.telemetry.get("responder.drums")
    assert state["errors"] == 1 and state["late"] == 1
    assert any("model exploded" in e.message for e in rig.show.telemetry.recent("error"))
    assert rig.ports.outputs["drumbridge drums out"].sounding.notes == {}


def test_continuous_mode_answers_back_to_back() -> None:
    rig = make_rig(set_text(mode="continuous"), generators=TOY)
    rig.run(39.0, CALL)
    assert [a.start_beat for a in rig.answers] == [8.0, 16.0, 24.0, 32.0]
    assert all(not a.late for a in rig.answers)


def test_demo_call_player_drives_the_responder() -> None:
    text = set_text() + '\n[responders.demo_call]\nphrase = "rock"\nevery_bars = 4\n'
    rig = make_rig(text, generators=TOY)
    rig.run(39.0)
    assert [a.start_beat for a in rig.answers] == [8.0, 24.0]
    assert [s for _b, s in rig.states][:4] == ["listening", "generating", "responding", "listening"]


def test_transport_stop_silences_every_sounding_note_at_once() -> None:
    rig = make_rig(set_text(), generators=TOY)
    rig.run(8.01, CALL)
    out = rig.ports.outputs["drumbridge drums out"]
    assert out.sounding.notes  # the answer's first hit sounds
    stop_time = rig.time()
    rig.show.commands.submit("transport", "stop")
    rig.run(8.02)
    assert out.sounding.notes == {}
    offs = [(t, d) for t, d in out.sent if t >= stop_time and d[0] == 0x89]
    assert offs and all(t == offs[0][0] for t, _ in offs)
    assert rig.responder.state.value == "idle"
    rig.run(20.0)  # nothing more is played after the stop
    assert all(t < rig.time() - 5 for t, _ in out.sent)


def test_the_rig_puts_beats_where_the_tests_expect() -> None:
    rig = make_rig(set_text(), generators=TOY)
    rig.run(1.0)
    assert rig.beat(rig.time()) == pytest.approx(1.0)
    assert rig.show.clock.time_at(4.0) == pytest.approx(START + 4 * SECONDS_PER_BEAT)


def test_a_streaming_model_is_fed_each_step_of_the_call_as_soon_as_it_is_final() -> None:
    model = StreamingToy()
    rig = make_rig(set_text(), generators={"test:toy": lambda: model})
    model.now = rig.time
    rig.run(17.0, CALL)
    fed = [(round(rig.beat(t), 3), upto, heard) for t, upto, heard in model.feeds][:31]
    # step k is final half a step after it starts (beat k/4 + 1/8); the last one is fed when the call closes
    assert [(beat, upto) for beat, upto, _ in fed] == [(k / 4 + 0.125, k + 1) for k in range(31)]
    assert [heard for _, upto, heard in fed if upto in (1, 4, 5, 22, 23, 31)] == [1, 1, 2, 4, 5, 5]
    assert rig.answers[0].source == "model"


def test_a_streaming_model_hands_the_answer_over_piece_by_piece() -> None:
    # 1 s of model for the whole answer is far too slow in one go (62.5 ms budget at 120 BPM) ...
    rig = make_rig(set_text(), cost=lambda job: 1.0, generators=TOY)
    rig.run(17.0, CALL)
    assert rig.answers[0].source == "fallback:repeat-call"
    # ... but a streaming model hands over the first step after 1/32 s, then a beat at a time, each in time
    rig = make_rig(set_text(), cost=lambda job: 1.0, generators={"test:toy": StreamingToy})
    rig.run(17.0, CALL)
    answer = rig.answers[0]
    assert (answer.source, answer.late) == ("model", False)
    assert answer.margin_ms == pytest.approx(62.5 - 1000 / 32, abs=0.01)  # the first step is the tightest
    assert answer.gen_ms == pytest.approx(1000.0)
    ons = rig.note_ons()
    assert ons[0] == (8.0, 36) and len(ons) == len(answer.answer.notes)


def test_a_piece_that_comes_late_hands_the_rest_of_the_answer_to_the_fallback() -> None:
    model = GatedStreamingToy(gate_piece=2)
    time = ManualTime()
    rig = make_rig(set_text(), generators={"test:toy": lambda: model}, worker=ThreadWorker("drums", time))
    rig.responder.worker.time = rig.time
    try:
        rig.run(7.9, CALL)
        assert model.waiting.wait(5)  # pieces 0 and 1 are out; the model now hangs on piece 2
        rig.run(17.0)
        answer = rig.answers[0]
        assert (answer.source, answer.late) == ("model+fallback:repeat-call", True)
        played = rig.note_ons()
        from_model = [(b, p) for b, p in played if b < 10.0]
        from_call = [(b, p) for b, p in played if b >= 10.0]
        assert from_model[0] == (8.0, 36)
        assert from_call == [(10.0, 36), (11.0, 38), (13.5, 42)]  # the call's steps 8, 12 and 22
    finally:
        model.release.set()
        rig.show.engine.shutdown()


def test_answer_lines_for_the_console() -> None:
    import io

    from bridge.responders.console import AnswerPrinter

    rig = make_rig(set_text(), cost=lambda job: 0.020, generators=TOY)
    out = io.StringIO()
    AnswerPrinter(4, out).attach(rig.show.responders)
    rig.run(17.0, CALL)
    notes = len(rig.answers[0].answer.notes)
    assert out.getvalue() == f"drums: answer 0 from bar 3: model, {notes} notes, 20.0 ms, 42.5 ms early\n"


class OverlappingHolds(ToyDrums):
    """Melodic: the same pitch struck again while it still sounds (a fallback over a held note does this)."""

    drums = False

    def answer(self, call, steps, temperature, rng):  # noqa: ANN001, ANN201
        from bridge.responders.phrase import Note, Phrase
        return Phrase(steps, (Note(0, 60, 100, 8), Note(4, 60, 100, 8)))


def test_a_retriggered_pitch_sounds_for_its_own_length() -> None:
    rig = make_rig(set_text(), generators={"test:toy": OverlappingHolds})
    rig.run(17.0, CALL)
    played = [(round(rig.beat(t), 3), d[0] & 0xF0, d[1]) for t, d in rig.sent if d[1] == 60]
    second_off = 9.0 + 8 * 0.9 / 4  # 8 steps at the default gate of 0.9, from beat 9 (not cut at 9.8 by the first's)
    assert [(b, kind) for b, kind, _ in played] == [(8.0, 0x90), (9.0, 0x80), (9.0, 0x90), (second_off, 0x80)]
