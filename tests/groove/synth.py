"""Tiny synthetic performances whose velocity and timing depend on the pattern around each hit."""

from __future__ import annotations

import numpy as np

from bridge.groove.dataset import GrooveSet
from bridge.groove.grid import NUM_CLASSES, GrooveGrid


def synthetic_grid(rng: np.random.Generator, bars: int = 4, qpm: float = 100.0) -> GrooveGrid:
    """Kick on 1 and 3, snare on 2 and 4 plus ghost notes, hi-hat 8ths; a snare before a kick is soft and late."""
    steps = 16 * bars
    hits = np.zeros((steps, NUM_CLASSES), bool)
    hits[0::8, 0] = True
    hits[4::8, 1] = True
    hits[0::2, 2] = True
    ghosts = rng.random(steps) < 0.2
    hits[ghosts, 1] = True
    velocity = np.where(hits, 90.0, 0.0).astype(np.float32)
    offset = np.zeros(hits.shape, np.float32)
    before_kick = np.roll(hits[:, 0], -1)
    velocity[hits[:, 1] & before_kick, 1] = 35.0
    offset[hits[:, 1] & before_kick, 1] = 0.2
    velocity[:, 2] = np.where(hits[:, 2], 60.0 + 30.0 * (np.arange(steps) % 4 == 0), 0.0)
    velocity += np.where(hits, rng.normal(0.0, 3.0, hits.shape), 0.0).astype(np.float32)
    offset += np.where(hits, rng.normal(0.0, 0.03, hits.shape), 0.0).astype(np.float32)
    return GrooveGrid(hits, np.clip(velocity, 1, 127), offset, qpm)


def synthetic_set(seed: int, performances: int = 6) -> GrooveSet:
    """A few synthetic performances."""
    rng = np.random.default_rng(seed)
    return GrooveSet.from_grids([synthetic_grid(rng) for _ in range(performances)], [True] * performances)
