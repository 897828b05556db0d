"""Turn a quantized pattern into played hits: a velocity and a clamped grid offset per hit, mean or seeded sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.groove.grid import MAX_OFFSET
from bridge.groove.model import GrooveModel, GroovePrediction


@dataclass
class Groove:
    """Per step and class (zero where there is no hit): velocity 1..127 and offset in 16ths (|x| ≤ MAX_OFFSET)."""

    velocity: np.ndarray
    offset: np.ndarray


def realise(prediction: GroovePrediction, hits: np.ndarray, rng: np.random.Generator | None,
            humanize: float = 1.0, base_velocity: float | np.ndarray = 100.0) -> Groove:
    """Velocities and offsets for `hits` from a prediction; `rng=None` gives the means (deterministic).

    `humanize` 0..1 blends from the grid (base velocity, no offset) to the full groove. Random numbers are
    drawn for every cell, hit or not, so the stream of draws depends only on the pattern's length.
    """
    hits = np.asarray(hits, bool)
    velocity, offset = prediction.velocity, prediction.offset
    if rng is not None:
        shape = velocity.shape
        velocity = velocity + prediction.velocity_scale * rng.laplace(0.0, 1.0, shape)
        offset = offset + prediction.offset_scale * rng.laplace(0.0, 1.0, shape)
    humanize = float(np.clip(humanize, 0.0, 1.0))
    played = np.clip(velocity * 127.0, 1.0, 127.0)
    played = base_velocity + humanize * (played - base_velocity)
    played = np.clip(np.rint(played), 1, 127)
    shift = np.clip(offset, -MAX_OFFSET, MAX_OFFSET) * humanize
    return Groove(np.where(hits, played, 0).astype(np.int64), np.where(hits, shift, 0.0))


def groove_pattern(model: GrooveModel, hits: np.ndarray, *, qpm: float = 120.0, start_position: int = 0,
                   seed: int | None = None, mean: bool = False, humanize: float = 1.0,
                   base_velocity: float | np.ndarray = 100.0, context: np.ndarray | None = None) -> Groove:
    """One call from pattern to groove: predict, then take the means or a sample seeded with `seed`."""
    prediction = model.predict(hits, qpm=qpm, start_position=start_position, context=context)
    rng = None if mean else np.random.default_rng(seed)
    return realise(prediction, hits, rng, humanize, base_velocity)
