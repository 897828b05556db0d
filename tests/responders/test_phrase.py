"""Quantizing calls to the 16th grid, fitting phrases, and the phrase <-> model event conversions."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.responders.phrase import Note, NoteLog, Phrase

magenta = pytest.importorskip("bridge.responders.magenta")


def test_note_log_windows_round_to_the_nearest_step_and_hold_notes_to_the_end() -> None:
    log = NoteLog()
    log.note_on(36, 100, 3.96)      # anticipates beat 4 -> step 0 of a window starting at 4
    log.note_off(36, 4.05)
    log.note_on(60, 80, 5.13)       # 1.13 beats in -> step 5 (4.52 rounds to 5)
    log.note_off(60, 5.9)           # 0.77 beats -> 3 steps
    log.note_on(62, 70, 7.5)        # still held when the window closes: lasts to its end
    window = log.window(4.0, 16)
    assert window.notes == (Note(0, 36, 100, 1), Note(5, 60, 80, 3), Note(14, 62, 70, 2))
    assert log.window(0.0, 16).notes == ()  # the anticipated hit does not belong to the bar before


def test_fitted_repeats_or_cuts_a_phrase() -> None:
    call = Phrase(4, (Note(0, 36), Note(2, 38)))
    assert [(n.step, n.pitch) for n in call.fitted(10).notes] == [(0, 36), (2, 38), (4, 36), (6, 38), (8, 36)]
    assert call.fitted(2).notes == (Note(0, 36),)
    assert Phrase(0).fitted(8) == Phrase(8)


def test_drum_events_round_trip() -> None:
    call = Phrase(4, (Note(0, 36), Note(0, 42), Note(3, 38)))
    events = magenta.drum_events(call)
    assert events == [frozenset({36, 42}), frozenset(), frozenset(), frozenset({38})]
    assert magenta.drum_phrase(events, 4) == Phrase(4, (Note(0, 36), Note(0, 42), Note(3, 38)))


def test_melody_events_round_trip() -> None:
    call = Phrase(8, (Note(0, 60, 100, 2), Note(2, 64, 100, 1), Note(5, 67, 100, 3)))
    events = magenta.melody_events(call)
    assert events == [60, -2, 64, -1, -2, 67, -2, -2]
    assert magenta.melody_phrase(events, 8) == call


def test_a_real_bundle_answers_deterministically() -> None:
    from tests.responders.fakes import SMALL_DRUMS
    if not SMALL_DRUMS.exists():
        pytest.skip("model engine test bundles not in this checkout")
    generator = magenta.BundleGenerator.load(SMALL_DRUMS, "small")
    call = Phrase(16, (Note(0, 36), Note(4, 38), Note(8, 36), Note(12, 38)))
    a = generator.answer(call, 32, 1.0, np.random.default_rng([1, 2, 3]))
    b = generator.answer(call, 32, 1.0, np.random.default_rng([1, 2, 3]))
    c = generator.answer(call, 32, 1.0, np.random.default_rng([1, 2, 4]))
    assert a == b and a != c and a.steps == 32
    assert all(0 <= n.step < 32 and n.length == 1 for n in a.notes)


def test_a_drum_call_streamed_in_pieces_gives_the_one_shot_answer() -> None:
    from tests.responders.fakes import SMALL_DRUMS
    if not SMALL_DRUMS.exists():
        pytest.skip("model engine test bundles not in this checkout")
    generator = magenta.BundleGenerator.load(SMALL_DRUMS, "small")
    call = Phrase(32, (Note(0, 36), Note(4, 38), Note(8, 36), Note(13, 42), Note(20, 38), Note(31, 36)))
    stream = generator.stream()
    for upto in (4, 8, 12, 16, 20, 24, 28):
        stream.feed(Phrase(32, tuple(n for n in call.notes if n.step < upto + 2)), upto)
    streamed = stream.answer(call, 32, 0.8, np.random.default_rng([5, 6, 7]))
    assert streamed == generator.answer(call, 32, 0.8, np.random.default_rng([5, 6, 7]))


def test_a_drum_answer_sampled_piece_by_piece_equals_the_one_shot_answer() -> None:
    from bridge.responders.worker import Job, run_job
    from tests.responders.fakes import SMALL_DRUMS
    if not SMALL_DRUMS.exists():
        pytest.skip("model engine test bundles not in this checkout")
    generator = magenta.BundleGenerator.load(SMALL_DRUMS, "small")
    call = Phrase(16, (Note(0, 36), Note(4, 38), Note(8, 36), Note(12, 38)))
    job = Job("drums", 3, call, 32, 1.0, (1, 2, 3), generator, 0.0, 1.0, generator.stream(), 4)
    pieces = list(run_job(job))
    assert job.piece_starts == [0, 1, 4, 8, 12, 16, 20, 24, 28]
    assert [(p[0], p[3]) for p in pieces] == [(i, i == 8) for i in range(9)]
    chunked = tuple(n for p in pieces for n in p[1].notes)
    assert chunked == generator.answer(call, 32, 1.0, np.random.default_rng([1, 2, 3])).notes


SMALL_MELODY = "attention_rnn_small_first.mag"
# a phrase in C with a low note halfway and a turn to A flat at its end: the transposition changes twice
MELODY_CALL = Phrase(32, (Note(0, 60, 90, 2), Note(2, 64, 90, 2), Note(4, 67, 90, 4), Note(8, 65, 90, 1),
                          Note(10, 64, 90, 6), Note(16, 38, 90, 2), Note(20, 60, 90, 4), Note(26, 68, 90, 2),
                          Note(28, 63, 90, 3), Note(31, 56, 90, 1)))


def melody_generator() -> magenta.BundleGenerator:
    from tests.responders.fakes import BUNDLES
    if not (BUNDLES / SMALL_MELODY).exists():
        pytest.skip("model engine test bundles not in this checkout")
    return magenta.BundleGenerator.load(BUNDLES / SMALL_MELODY, "keys")


def fed_as_played(stream: magenta.MelodyStream, call: Phrase) -> None:
    """Feed `call` the way the cycle does: step k once it is final, with the notes heard by then."""
    for upto in range(1, call.steps):
        heard = tuple(n if n.step + n.length <= upto else Note(n.step, n.pitch, n.velocity, call.steps - n.step)
                      for n in call.notes if n.step < upto)
        stream.feed(Phrase(call.steps, heard), upto)


def test_a_melody_call_streamed_and_answered_piece_by_piece_gives_the_one_shot_answer() -> None:
    from bridge.responders.worker import Job, run_job
    generator = melody_generator()
    stream = generator.stream()
    assert isinstance(stream, magenta.MelodyStream)
    fed_as_played(stream, MELODY_CALL)
    assert stream.refeeds == 1  # the low note moved the transposition: fed again from the start
    job = Job("keys", 0, MELODY_CALL, 64, 1.0, (4, 5, 6), generator, 0.0, 1.0, stream, 4)
    pieces = list(run_job(job))
    assert stream.refeeds == 2  # and the A flat at the end, once the call was complete
    assert [p[2] for p in pieces] == [None] * len(job.piece_starts)
    chunked = tuple(n for p in pieces for n in p[1].notes)
    one_shot = generator.answer(MELODY_CALL, 64, 1.0, np.random.default_rng([4, 5, 6]))
    assert chunked == one_shot.notes
    starts = job.piece_starts
    assert any(job.piece_end(starts.index(max(s for s in starts if s <= n.step))) < n.step + n.length
               for n in chunked)  # some note holds on into the next piece, with its whole length


def test_the_first_melody_piece_samples_only_as_far_as_its_note_lasts() -> None:
    generator = melody_generator()
    stream = generator.stream()
    fed_as_played(stream, MELODY_CALL)
    stream.finish(MELODY_CALL, 64)
    first = stream.sample(1, 1.0, np.random.default_rng([7]))
    sampled = len(stream._answer)
    assert sampled == (first.notes[0].length + 1 if first.notes else 1)  # up to the event that ends it
    assert sampled < 64
    rest = stream.sample(63, 1.0, np.random.default_rng([7]))
    assert all(n.step + n.length <= 63 for n in rest.notes)


def _traced_lines(action) -> int:
    """How many lines of bridge/responders/phrase.py ran during `action` (an operation count, not a time)."""
    import sys
    count = 0

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202
        nonlocal count
        if frame.f_code.co_filename.endswith("phrase.py"):
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        action()
    finally:
        sys.settrace(None)
    return count


def test_a_flood_after_a_stuck_note_costs_bounded_work_per_note() -> None:
    log = NoteLog(keep_beats=16.0)
    log.note_on(36, 100, 0.0)  # never released

    def flood(first: int, count: int) -> None:
        for i in range(first, first + count):
            beat = 20.0 + i * 0.01  # past keep_beats after the stuck note, 100 pairs per beat
            log.note_on(60, 90, beat)
            log.note_off(60, beat + 0.005)

    small = _traced_lines(lambda: flood(0, 2000))
    large = _traced_lines(lambda: flood(2000, 2000))
    assert large <= small * 1.2  # the same work per note however long the flood has run
    assert small <= 2000 * 60    # a few dozen lines per note-on/off pair, not a scan of the log
    assert len(log._spans) <= 16 * 100 + 8  # only the last keep_beats of notes are kept
    window = log.window(59.0, 4)  # the recent notes are all still there
    assert [n.step for n in window.notes] == [0, 1, 2, 3]
    log.note_off(36, 60.0)  # the stuck note's release is still accepted


def test_the_note_log_holds_at_most_max_spans_notes() -> None:
    log = NoteLog(keep_beats=1000.0, max_spans=100)
    for i in range(1000):
        log.note_on(40 + i % 8, 90, i * 0.25)
    assert len(log._spans) <= 101
    assert len(log.window(240.0, 8).notes) == 8
