"""Streaming sessions: feeding, sampling, snapshots, temperature, seeds, deadlines, event helpers."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.models import DEFAULT_DRUM_TYPE_PITCHES, ModelError
from bridge.models.encodings import NO_EVENT, NOTE_OFF, DrumOneHot, LookbackEncoder
from tests.models.models_refdata import as_events, load_model, reference

GROOVE = "drums_groove.mid"


def _call(name: str, midi: str) -> list:
    model = load_model(name)
    entry = reference(name)["files"][midi]
    return as_events(entry.get("squashed", entry["extracted"]), model.is_drums)


@pytest.mark.parametrize("name", ["drum_kit_small_first", "drum_kit_small_wrapped", "attention_rnn_small_first"])
def test_streaming_feed_matches_the_scored_log_probs(name: str) -> None:
    model = load_model(name)
    midi = GROOVE if model.is_drums else "melody_simple.mid"
    events = _call(name, midi)
    expected = reference(name)["files"][midi]["step_log_probs"]
    session = model.session()
    for t in range(len(events) - 1):
        session.feed(events[t])
        label = model.encoder.label(events, t + 1)
        assert session.log_probs()[label] == pytest.approx(expected[t], abs=1e-4)


def test_feed_many_equals_feeding_one_by_one() -> None:
    model = load_model("drum_kit_small_first")
    events = _call("drum_kit_small_first", GROOVE)
    a, b = model.session(), model.session()
    a.feed_many(events)
    for event in events:
        b.feed(event)
    np.testing.assert_allclose(a.logits(), b.logits(), atol=1e-5)  # batched layers: float32 rounding only


def test_same_seed_same_answer_and_seeds_differ() -> None:
    model = load_model("drum_kit_default")
    primer = _call("drum_kit_default", GROOVE)[:16]
    first = model.generate(primer, 32, temperature=1.0, seed=7)
    again = model.generate(primer, 32, temperature=1.0, seed=7)
    other = model.generate(primer, 32, temperature=1.0, seed=8)
    assert first.complete and len(first.events) == 32
    assert first.events == again.events
    assert first.events != other.events


def test_clone_branches_independently() -> None:
    model = load_model("attention_rnn_small_wrapped")
    session = model.session()
    session.feed_many(_call("attention_rnn_small_wrapped", "melody_simple.mid"))
    before = session.logits()
    branch = session.clone()
    answer = branch.sample_steps(20, np.random.default_rng(1)).events
    np.testing.assert_array_equal(session.logits(), before)  # the original did not move
    again = session.clone().sample_steps(20, np.random.default_rng(1)).events
    assert answer == again
    assert session.position + 20 == branch.position


def test_one_step_at_a_time_equals_all_at_once() -> None:
    model = load_model("lookback_rnn_small")
    events = _call("lookback_rnn_small", "melody_transpose.mid")
    a, b = model.session(), model.session()
    a.feed_many(events)
    b.feed_many(events)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    stepwise = [a.sample(rng_a, 0.9) for _ in range(24)]
    assert stepwise == b.sample_steps(24, rng_b, 0.9).events


def test_low_temperature_takes_the_most_likely_class() -> None:
    model = load_model("drum_kit_small_wrapped")
    session = model.session()
    session.feed_many(_call("drum_kit_small_wrapped", GROOVE))
    for _ in range(10):
        best = int(np.argmax(session.logits()))
        event = session.sample(np.random.default_rng(0), temperature=1e-4)
        assert model.encoder.one_hot.encode(event) == best


def test_temperature_flattens_the_distribution() -> None:
    model = load_model("basic_rnn_small")
    session = model.session()
    session.feed_many(_call("basic_rnn_small", "melody_simple.mid"))
    entropy = [-(np.exp(lp) * lp).sum() for lp in (session.log_probs(t) for t in (0.5, 1.0, 2.0))]
    assert entropy[0] < entropy[1] < entropy[2]
    with pytest.raises(ModelError, match="temperature"):
        session.log_probs(0.0)


def test_deadline_stops_early_with_an_injected_clock() -> None:
    model = load_model("drum_kit_small_first")
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    result = model.generate([frozenset({36})], 32, seed=0, deadline=6.0, clock=clock)
    assert not result.complete
    assert 0 < len(result.events) < 32


def test_sampling_needs_a_fed_event() -> None:
    with pytest.raises(ModelError, match="feed at least one event"):
        load_model("one_drum_small").session().sample(np.random.default_rng(0))


def test_drum_answers_play_the_first_pitch_of_each_class() -> None:
    model = load_model("drum_kit_default")
    answer = model.generate([frozenset({36, 42})], 64, temperature=1.5, seed=2).events
    allowed = {pitches[0] for pitches in DEFAULT_DRUM_TYPE_PITCHES}
    assert set().union(*answer) <= allowed
    assert any(answer)


def test_melody_feed_folds_out_of_range_pitches_and_answers_in_range() -> None:
    model = load_model("attention_rnn_small_first")
    session = model.session()
    session.feed_many([100, NO_EVENT, NOTE_OFF, 20])
    assert session.events == [76, NO_EVENT, NOTE_OFF, 56]
    answer = session.sample_steps(40, np.random.default_rng(5)).events
    assert all(e in (NO_EVENT, NOTE_OFF) or 48 <= e < 84 for e in answer)


def test_one_shot_melody_generation_transposes_back() -> None:
    model = load_model("basic_rnn_small")
    primer = reference("basic_rnn_small")["files"]["melody_transpose.mid"]["extracted"]
    answer = model.generate(primer, 64, seed=4).events
    notes = [e for e in answer if e >= 0]
    assert notes and all(48 + 28 <= e < 84 + 28 for e in notes)  # squashed by -28, so back up by +28


def test_step_counter_inputs_count_positions_in_binary() -> None:
    encoder = LookbackEncoder(DrumOneHot(DEFAULT_DRUM_TYPE_PITCHES), (), 6)
    events = [frozenset()] * 70
    for position in (0, 4, 62, 63, 64):
        idx, vals = encoder.input(events[:position + 1], None)
        bits = dict(zip(idx.tolist(), vals.tolist()))
        n = position + 1
        assert [bits[512 + i] for i in range(6)] == [1.0 if n >> i & 1 else -1.0 for i in range(6)]


@pytest.mark.parametrize("name", ["drum_kit_small_first", "attention_rnn_small_wrapped", "lookback_rnn_small"])
def test_a_sampled_step_is_fed_back_like_a_played_one(name: str) -> None:
    model = load_model(name)
    call = _call(name, GROOVE if model.is_drums else "melody_simple.mid")
    session = model.session()
    session.feed_many(call)
    rng = np.random.default_rng(11)
    answer = [session.sample(rng) for _ in range(3)]
    session.advance()
    fresh = model.session()
    fresh.feed_many(call + answer)
    np.testing.assert_allclose(session.logits(), fresh.logits(), atol=1e-6)
    assert session.events == fresh.events


@pytest.mark.parametrize(("name", "event"), [("drum_kit_small_first", None), ("drum_kit_small_first", [200]),
                                             ("basic_rnn_small", "C4"), ("basic_rnn_small", -5)])
def test_bad_events_are_clear_errors(name: str, event) -> None:
    from bridge.models import SequenceError

    session = load_model(name).session()
    with pytest.raises(SequenceError, match="bad event"):
        session.feed(event)
    assert session.position == 0


def test_lookback_inputs_flag_repeats_and_show_the_event_a_bar_ahead() -> None:
    from bridge.models.encodings import MelodyOneHot

    encoder = LookbackEncoder(MelodyOneHot(48, 84), (16, 32), 5)
    bar = [60, NO_EVENT, 62, NOTE_OFF] * 4
    events = bar + bar + bar
    k = 38
    idx, vals = encoder.input(events[:33], None)  # position 32 repeats positions 16 and 0
    inputs = dict(zip(idx.tolist(), vals.tolist()))
    flags = 3 * k + 5
    assert inputs[flags] == 1.0 and inputs[flags + 1] == 1.0
    assert inputs[k + encoder.one_hot.encode(events[17])] == 1.0  # first lookback: the event after the one 16 back
    assert encoder.label(events, 32) == k + 1  # the longest repeat wins
    assert encoder.label([NO_EVENT] * 5, 4) == k + 1  # Magenta: early no-events take the last repeat class
