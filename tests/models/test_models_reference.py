"""drumbridge's numpy models against real Magenta 2.1.4 outputs (committed; no TensorFlow needed)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.models import sequences
from bridge.models.melodies import squash
from tests.models.models_refdata import DRUM_IDS, MIDI, as_events, load_model, reference, reference_cases

TOLERANCE = 1e-4


@pytest.mark.parametrize(("name", "midi"), reference_cases())
def test_step_log_probs_match_magenta(name: str, midi: str) -> None:
    entry = reference(name)["files"][midi]
    model = load_model(name)
    score = model.score(as_events(entry["extracted"], model.is_drums))
    expected = np.array(entry["step_log_probs"])
    assert score.steps == len(entry["extracted"]) - 1 == expected.size
    assert np.abs(score.step_log_probs - expected).max() <= TOLERANCE
    assert score.log_likelihood == pytest.approx(entry["log_likelihood"], abs=1e-3)
    if not model.is_drums:
        assert score.transpose == entry["transpose"]


@pytest.mark.parametrize(("name", "midi"), reference_cases())
def test_inputs_and_labels_match_magenta(name: str, midi: str) -> None:
    entry = reference(name)["files"][midi]
    model = load_model(name)
    events = as_events(entry.get("squashed", entry["extracted"]), model.is_drums)
    state = model.encoder.new_state()
    for position in range(len(events)):
        idx, vals = model.encoder.input(events[:position + 1], state)
        got = sorted(zip(idx.tolist(), vals.tolist()))
        assert got == sorted(tuple(pair) for pair in entry["inputs"][position]), f"input at step {position}"
    assert [model.encoder.label(events, i) for i in range(len(events))] == entry["labels"]


@pytest.mark.parametrize(("name", "midi"), reference_cases())
def test_temperature_softmax_matches_magenta(name: str, midi: str) -> None:
    entry = reference(name)["files"][midi]
    model = load_model(name)
    session = model.session()
    session.feed_many(as_events(entry.get("squashed", entry["extracted"]), model.is_drums))
    for temperature, expected in entry["temperatures"].items():
        got = session.log_probs(float(temperature))
        assert np.abs(got - np.array(expected)).max() <= TOLERANCE, f"temperature {temperature}"


@pytest.mark.parametrize(("name", "midi"), reference_cases())
def test_extraction_matches_magenta_generator(name: str, midi: str) -> None:
    ref = reference(name)
    entry = ref["files"][midi]
    drums = ref["generator_id"] in DRUM_IDS
    track = sequences.read_track(MIDI / midi, drums, ref["steps_per_quarter"])
    assert [sorted(e) if drums else e for e in track.events] == entry["extracted"]
    assert track.start_step == entry["start_step"]
    assert track.steps_per_bar == entry["steps_per_bar"]
    if not drums:
        model = load_model(name)
        squashed, amount = model.squash(track.events)
        assert (squashed, amount) == (entry["squashed"], entry["transpose"])


@pytest.mark.parametrize(("name", "midi"), reference_cases())
def test_generation_plan_matches_magenta_generator(name: str, midi: str) -> None:
    ref = reference(name)
    plan_ref = ref["files"][midi]["generation"]
    drums = ref["generator_id"] in DRUM_IDS
    sequence = sequences.read_midi(MIDI / midi)
    plan = sequences.plan_generation(sequence, drums, ref["steps_per_quarter"],
                                     plan_ref["start_time"], plan_ref["end_time"])
    primer = plan.primer.events
    if drums:
        primer = [sorted(e) for e in primer]
    else:  # Magenta's model squashes the primer before its _generate_events (what the reference captured)
        primer, _ = squash(primer, 48, 84, 0)
    assert primer == plan_ref["primer"]
    assert plan.primer.start_step == plan_ref["primer_start_step"]
    assert plan.total_steps == plan_ref["num_steps"]


def test_reference_covers_every_generator_and_layout() -> None:
    from tests.models.models_refdata import REFERENCE_NAMES

    seen = {(reference(n)["generator_id"], reference(n)["layout"], reference(n)["attn_length"] > 0)
            for n in REFERENCE_NAMES}
    for generator_id in ("drum_kit", "one_drum", "basic_rnn", "lookback_rnn", "attention_rnn"):
        assert any(s[0] == generator_id for s in seen)
    for generator_id in ("drum_kit", "attention_rnn"):
        assert (generator_id, "first", True) in seen and (generator_id, "wrapped", True) in seen
