"""The groove model: an MLP over a window of steps around each hit, giving a Laplace distribution per hit.

For every step and class it predicts location and log-scale of the velocity (0..1 of 127) and of the
offset from the grid (a fraction of a 16th). `--mean` uses the locations; sampling draws from the
Laplace with a seeded numpy Generator. Weights are a plain .npz (no TensorFlow, no PyTorch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bridge.groove.features import feature_size, padded_channels, step_features
from bridge.groove.grid import NUM_CLASSES

OUTPUTS = 4  # velocity location, velocity log-scale, offset location, offset log-scale


@dataclass
class GroovePrediction:
    """Per step and class: Laplace location and scale of velocity (0..1) and offset (16ths)."""

    velocity: np.ndarray
    velocity_scale: np.ndarray
    offset: np.ndarray
    offset_scale: np.ndarray


@dataclass
class GrooveModel:
    """Weights of the groove MLP plus its window (steps each side) and where it came from."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    window: int
    meta: dict = field(default_factory=dict)

    @classmethod
    def init(cls, window: int, hidden: tuple[int, ...], rng: np.random.Generator) -> GrooveModel:
        """Fresh He-initialised weights; the output biases start at the data's typical values."""
        sizes = [feature_size(window), *hidden, NUM_CLASSES * OUTPUTS]
        weights = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a) * (0.1 if b == sizes[-1] else 1.0))
                   .astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [np.zeros(b, np.float32) for b in sizes[1:]]
        biases[-1].reshape(NUM_CLASSES, OUTPUTS)[:] = (0.6, np.log(0.15), 0.0, np.log(0.1))
        return cls(weights, biases, window)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs (rows, 9, 4) for inputs (rows, feature_size)."""
        h = x
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.maximum(h @ w + b, 0.0)
        return (h @ self.weights[-1] + self.biases[-1]).reshape(-1, NUM_CLASSES, OUTPUTS)

    def predict(self, hits: np.ndarray, qpm: float = 120.0, start_position: int = 0,
                known: int | None = None, context: np.ndarray | None = None,
                steps: np.ndarray | None = None) -> GroovePrediction:
        """Distributions for the steps of `hits` (steps, 9), whose step 0 sits at `start_position` in the bar.

        `context` (steps, 9) is pattern played just before (e.g. the call), seen but not predicted;
        `known` limits how many steps of `hits` are known yet (streaming: later ones read as unknown).
        Only `steps` (default: every step with a hit) are computed; the others read as zero.
        """
        hits = np.asarray(hits, bool)
        lead = 0 if context is None else len(context)
        full = hits if context is None else np.concatenate([np.asarray(context, bool), hits])
        channels = padded_channels(full, self.window, None if known is None else lead + known)
        wanted = np.nonzero(hits.any(axis=1))[0] if steps is None else np.asarray(steps, np.int64)
        raw = np.zeros((len(hits), NUM_CLASSES, OUTPUTS), np.float32)
        if len(wanted):
            raw[wanted] = self.forward(step_features(channels, wanted + lead, wanted + start_position, qpm,
                                                     self.window))
        return GroovePrediction(raw[..., 0], np.exp(raw[..., 1]), raw[..., 2], np.exp(raw[..., 3]))

    def save(self, path: str | Path) -> None:
        """Write the weights and metadata as one .npz."""
        arrays: dict[str, np.ndarray] = {f"w{i}": w for i, w in enumerate(self.weights)}
        arrays |= {f"b{i}": b for i, b in enumerate(self.biases)}
        arrays |= {"window": np.array(self.window, np.int64), "meta": np.array(json.dumps(self.meta))}
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> GrooveModel:
        """Read a model written by `save` (raises GrooveModelError when it is not one)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                layers = sum(1 for k in data.files if k[0] == "w" and k[1:].isdigit())
                weights = [data[f"w{i}"].astype(np.float32) for i in range(layers)]
                biases = [data[f"b{i}"].astype(np.float32) for i in range(layers)]
                window = int(data["window"])
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as error:
            raise GrooveModelError(f"{path}: not a groove model ({error})") from None
        if not layers or weights[0].shape[0] != feature_size(window) or weights[-1].shape[1] != NUM_CLASSES * OUTPUTS:
            raise GrooveModelError(f"{path}: layer shapes do not match a groove model")
        return cls(weights, biases, window, meta)


class GrooveModelError(ValueError):
    """A groove model file is missing or unreadable, or a model name is unknown."""
