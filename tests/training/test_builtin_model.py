"""The shipped built-in drum model: size, record, credit, numpy loading, and beating the baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bridge.training.baseline import BarPositionUnigram
from bridge.training.drumtrack import PITCH_CLASS

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "bridge" / "models" / "builtin"
DATA = Path(__file__).resolve().parent / "data"
CREDIT = "Learning to Groove with Inverse Sequence Transformations"

pytestmark = pytest.mark.skipif(not (BUILTIN / "drums.mag").exists(), reason="built-in model not built yet")


def class_index(event: frozenset) -> int:
    """drum_kit class index of an event of MIDI pitches."""
    return sum(1 << c for c in {PITCH_CLASS[p] for p in event})


def test_size_record_and_credit() -> None:
    assert (BUILTIN / "drums.mag").stat().st_size <= 5_000_000
    record = json.loads((BUILTIN / "training.json").read_text())
    assert record["dataset"]["files"] == {"train": 897, "validation": 124, "test": 129}
    assert CREDIT in record["dataset"]["credit"]
    figures = record["test"]["log_likelihood_per_step"]
    assert figures["model"] > figures["bar_position_unigram"] + 0.2
    assert figures["model"] > figures["random_weights"] + 2.0
    assert record["training"]["best_step"] <= record["training"]["steps_trained"]
    assert CREDIT in (BUILTIN / "MODEL_CARD.md").read_text()


def test_numpy_engine_loads_it_and_it_beats_the_train_baseline_on_test_files() -> None:
    from bridge.models import Model
    from bridge.models.sequences import read_track

    model = Model.load(BUILTIN / "drums.mag")
    record = json.loads((BUILTIN / "training.json").read_text())
    assert model.is_drums and list(model.info.layer_sizes) == record["hyper_parameters"]["layers"]
    assert CREDIT in model.info.bundle_description
    baseline = BarPositionUnigram(np.load(DATA / "unigram_train.npy").astype(np.float64))
    files = sorted((DATA / "groove").glob("*.mid"))
    assert len(files) == 4
    model_total = baseline_total = 0.0
    steps = 0
    for path in files:
        events = read_track(path, drums=True, steps_per_quarter=4).events
        score = model.score(events)
        base = baseline.score([np.array([class_index(e) for e in events])])
        assert score.steps == base.steps == len(events) - 1
        model_total += score.log_likelihood
        baseline_total += base.log_likelihood
        steps += score.steps
    assert model_total / steps > baseline_total / steps + 0.2


def test_answers_are_deterministic_and_never_crowded() -> None:
    from bridge.models import Model

    model = Model.load(BUILTIN / "drums.mag")
    rock = [frozenset({36, 42}), frozenset(), frozenset({42}), frozenset(), frozenset({38, 42}), frozenset(),
            frozenset({42}), frozenset()] * 4
    first = model.generate(rock, 32, temperature=1.0, seed=3)
    again = model.generate(rock, 32, temperature=1.0, seed=3)
    assert first.events == again.events and len(first.events) == 32
    for seed in range(20):
        answer = model.generate(rock, 32, temperature=1.0, seed=seed)
        assert max(len({PITCH_CLASS[p] for p in e}) for e in answer.events) <= 4
