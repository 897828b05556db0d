"""The groove model: shapes, determinism, --mean vs seeded sampling, clamping, streaming, save/load."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.groove.grid import MAX_OFFSET, NUM_CLASSES
from bridge.groove.humanizer import groove_pattern
from bridge.groove.model import GrooveModel, GrooveModelError
from bridge.groove.registry import load_groove


@pytest.fixture(scope="module")
def model() -> GrooveModel:
    return load_groove("builtin:groove")


def pattern(steps: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((steps, NUM_CLASSES)) < 0.2


@pytest.mark.parametrize("steps", [1, 16, 32, 100])
def test_any_length_gives_one_value_per_hit(model: GrooveModel, steps: int) -> None:
    hits = pattern(steps)
    groove = groove_pattern(model, hits, seed=3)
    assert groove.velocity.shape == groove.offset.shape == (steps, NUM_CLASSES)
    assert np.all((groove.velocity[hits] >= 1) & (groove.velocity[hits] <= 127))
    assert np.all(groove.velocity[~hits] == 0) and np.all(groove.offset[~hits] == 0)
    assert np.all(np.abs(groove.offset) <= MAX_OFFSET)


def test_mean_is_deterministic_and_sampling_follows_the_seed(model: GrooveModel) -> None:
    hits = pattern(32)
    mean_a, mean_b = (groove_pattern(model, hits, mean=True) for _ in range(2))
    assert np.array_equal(mean_a.velocity, mean_b.velocity) and np.array_equal(mean_a.offset, mean_b.offset)
    one, again, other = (groove_pattern(model, hits, seed=s) for s in (7, 7, 8))
    assert np.array_equal(one.velocity, again.velocity) and np.array_equal(one.offset, again.offset)
    assert not np.array_equal(one.offset, other.offset)
    assert not np.array_equal(one.offset, mean_a.offset)


def test_velocity_depends_on_context_both_ways(model: GrooveModel) -> None:
    hits = np.zeros((32, NUM_CLASSES), bool)
    hits[::4, 2] = True
    alone = groove_pattern(model, hits, mean=True)
    later = hits.copy()
    later[20, 0] = True  # a kick after step 16 changes what the model expects at step 16
    changed = groove_pattern(model, later, mean=True)
    assert alone.velocity[16, 2] != changed.velocity[16, 2] or alone.offset[16, 2] != changed.offset[16, 2]


def test_humanize_zero_is_the_grid(model: GrooveModel) -> None:
    hits = pattern(32)
    flat = groove_pattern(model, hits, seed=1, humanize=0.0, base_velocity=100.0)
    assert np.all(flat.offset == 0) and np.all(flat.velocity[hits] == 100)
    half = groove_pattern(model, hits, seed=1, humanize=0.5)
    full = groove_pattern(model, hits, seed=1, humanize=1.0)
    assert np.allclose(half.offset, full.offset * 0.5)


def test_unknown_future_is_a_valid_prediction(model: GrooveModel) -> None:
    hits = pattern(32)
    full = model.predict(hits)
    partial = model.predict(hits, known=8)
    assert np.allclose(full.velocity[:4], model.predict(hits, known=32).velocity[:4])
    assert partial.velocity.shape == full.velocity.shape
    assert not np.allclose(partial.velocity[7], full.velocity[7])


def test_computing_only_some_steps_changes_nothing(model: GrooveModel) -> None:
    hits = pattern(32)
    every = model.predict(hits, steps=np.arange(32))
    default = model.predict(hits)
    some = model.predict(hits, steps=np.array([3, 9]))
    rows = hits.any(axis=1)
    assert np.allclose(every.velocity[rows], default.velocity[rows], atol=1e-5)
    assert np.allclose(some.offset[[3, 9]], every.offset[[3, 9]], atol=1e-5)


def test_save_load_round_trip(tmp_path, model: GrooveModel) -> None:
    path = tmp_path / "g.npz"
    model.save(path)
    again = GrooveModel.load(path)
    hits = pattern(16)
    assert np.array_equal(again.predict(hits).velocity, model.predict(hits).velocity)


def test_bad_model_files_are_named(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(GrooveModelError, match="bad.npz"):
        GrooveModel.load(bad)
    with pytest.raises(GrooveModelError, match="unknown built-in"):
        load_groove("builtin:nope")
    with pytest.raises(GrooveModelError, match="no such file"):
        load_groove("missing.npz")
    assert load_groove("none") is None


def test_shipped_model_is_small() -> None:
    from bridge.groove.registry import BUILTIN_GROOVES

    assert BUILTIN_GROOVES["builtin:groove"].stat().st_size <= 2_000_000
