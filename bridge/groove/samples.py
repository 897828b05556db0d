"""Training samples: every step with a hit, its input window gathered on the fly (no big feature matrix)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.groove.dataset import GrooveSet
from bridge.groove.features import CHANNELS, window_features


@dataclass
class Samples:
    """Padded channels of a whole split, and per sample its center row, bar position, tempo and targets."""

    channels: np.ndarray
    centers: np.ndarray
    positions: np.ndarray
    qpm: np.ndarray
    mask: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    window: int

    def __len__(self) -> int:
        return len(self.centers)

    def batch(self, index: np.ndarray, rng: np.random.Generator | None = None,
              horizon_share: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Inputs, mask and targets of the samples `index`.

        With `rng`, a `horizon_share` of them see only k ∈ 0..window steps ahead (as when an answer is
        still being generated), so the model copes with an unknown future.
        """
        w = self.window
        rows = self.channels[self.centers[index, None] + np.arange(2 * w + 1)[None, :]]
        if rng is not None and horizon_share > 0:
            cut = rng.random(len(index)) < horizon_share
            ahead = rng.integers(0, w + 1, len(index))
            hidden = (np.arange(2 * w + 1)[None, :] > w + ahead[:, None]) & cut[:, None]
            rows = rows * ~hidden[:, :, None]
        x = window_features(rows, self.positions[index], self.qpm[index])
        return x, self.mask[index], self.velocity[index], self.offset[index]


def build_samples(groove_set: GrooveSet, window: int) -> Samples:
    """Samples of every step with at least one hit, in order."""
    parts, centers, positions, qpms = [], [], [], []
    row = 0
    for grid in groove_set.grids():
        padded = np.zeros((grid.steps + 2 * window, CHANNELS), np.float32)
        padded[window:window + grid.steps, :-1] = grid.hits
        padded[window:window + grid.steps, -1] = 1.0
        steps = np.nonzero(grid.hits.any(axis=1))[0]
        parts.append(padded)
        centers.append(row + steps)
        positions.append(steps)
        qpms.append(np.full(len(steps), grid.qpm, np.float32))
        row += len(padded)
    channels = np.concatenate(parts) if parts else np.zeros((0, CHANNELS), np.float32)
    centers_all = np.concatenate(centers).astype(np.int64) if centers else np.zeros(0, np.int64)
    step_rows = centers_all + window
    mask = channels[step_rows, :-1] > 0
    hits_index = np.concatenate([np.nonzero(g.hits.any(axis=1))[0] + s for g, s in
                                 zip(groove_set.grids(), groove_set.starts)]) if parts else np.zeros(0, np.int64)
    return Samples(channels, centers_all, np.concatenate(positions) if positions else np.zeros(0, np.int64),
                   np.concatenate(qpms) if qpms else np.zeros(0, np.float32), mask,
                   groove_set.velocity[hits_index] / 127.0, groove_set.offset[hits_index], window)
