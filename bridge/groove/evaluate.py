"""Quality figures: hit-by-hit velocity / offset MAE against the drummer, vs the per-(class, 16th) mean baseline."""

from __future__ import annotations

import numpy as np

from bridge.groove.dataset import GrooveSet
from bridge.groove.grid import CLASS_NAMES, NUM_CLASSES, STEPS_PER_BAR
from bridge.groove.humanizer import groove_pattern
from bridge.groove.model import GrooveModel


def position_baseline(train_set: GrooveSet) -> tuple[np.ndarray, np.ndarray]:
    """Mean velocity (1..127) and offset (16ths) per (16th position in the bar, class) over the train split."""
    sums_v = np.zeros((STEPS_PER_BAR, NUM_CLASSES))
    sums_o = np.zeros((STEPS_PER_BAR, NUM_CLASSES))
    counts = np.zeros((STEPS_PER_BAR, NUM_CLASSES))
    for grid in train_set.grids():
        steps, classes = np.nonzero(grid.hits)
        positions = steps % STEPS_PER_BAR
        np.add.at(sums_v, (positions, classes), grid.velocity[steps, classes])
        np.add.at(sums_o, (positions, classes), grid.offset[steps, classes])
        np.add.at(counts, (positions, classes), 1.0)
    counts = np.maximum(counts, 1.0)
    return sums_v / counts, sums_o / counts


def quality(model: GrooveModel, train_set: GrooveSet, test_set: GrooveSet, seed: int = 0) -> dict:
    """The model card's figures on `test_set` (4/4 beats): MAEs, their ratio to the baseline, sampled spreads."""
    base_v, base_o = position_baseline(train_set)
    errors: dict[str, list[np.ndarray]] = {"model_v": [], "model_o": [], "base_v": [], "base_o": []}
    played_v: list[np.ndarray] = []
    played_o: list[np.ndarray] = []
    sampled_v: list[np.ndarray] = []
    sampled_o: list[np.ndarray] = []
    class_parts: list[np.ndarray] = []
    for index, grid in enumerate(test_set.grids()):
        steps, classes = np.nonzero(grid.hits)
        if not len(steps):
            continue
        mean = groove_pattern(model, grid.hits, qpm=grid.qpm, mean=True)
        sample = groove_pattern(model, grid.hits, qpm=grid.qpm, seed=seed + index)
        truth_v, truth_o = grid.velocity[steps, classes], grid.offset[steps, classes] * grid.step_ms
        positions = steps % STEPS_PER_BAR
        errors["model_v"].append(np.abs(mean.velocity[steps, classes] - truth_v))
        errors["model_o"].append(np.abs(mean.offset[steps, classes] * grid.step_ms - truth_o))
        errors["base_v"].append(np.abs(base_v[positions, classes] - truth_v))
        errors["base_o"].append(np.abs(base_o[positions, classes] * grid.step_ms - truth_o))
        played_v.append(truth_v)
        played_o.append(truth_o)
        sampled_v.append(sample.velocity[steps, classes].astype(float))
        sampled_o.append(sample.offset[steps, classes] * grid.step_ms)
        class_parts.append(classes)
    cat = {k: np.concatenate(v) for k, v in errors.items()}
    classes_all = np.concatenate(class_parts)
    spreads: dict[str, dict[str, float]] = {}
    for c, name in enumerate(CLASS_NAMES):
        pick = classes_all == c
        if pick.sum() < 20:
            continue
        drummer_v, drummer_o = np.concatenate(played_v)[pick].std(), np.concatenate(played_o)[pick].std()
        spreads[name] = {"hits": int(pick.sum()),
                         "velocity_spread_ratio": round(float(np.concatenate(sampled_v)[pick].std() / drummer_v), 3),
                         "offset_spread_ratio": round(float(np.concatenate(sampled_o)[pick].std() / drummer_o), 3)}
    figures: dict = {
        "test_hits": int(len(cat["model_v"])),
        "velocity_mae": round(float(cat["model_v"].mean()), 3),
        "velocity_mae_baseline": round(float(cat["base_v"].mean()), 3),
        "offset_mae_ms": round(float(cat["model_o"].mean()), 3),
        "offset_mae_ms_baseline": round(float(cat["base_o"].mean()), 3),
    }
    figures["velocity_ratio"] = round(figures["velocity_mae"] / figures["velocity_mae_baseline"], 4)
    figures["offset_ratio"] = round(figures["offset_mae_ms"] / figures["offset_mae_ms_baseline"], 4)
    figures["spread_per_class"] = spreads
    return figures
