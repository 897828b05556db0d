"""The bar-position unigram baseline: p(event | step within the bar), fitted on training tracks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NUM_CLASSES = 512
STEPS_PER_BAR = 16


@dataclass(frozen=True)
class Score:
    """Summed log-likelihood and the number of scored steps; `per_step` is the figure we report."""

    log_likelihood: float
    steps: int

    @property
    def per_step(self) -> float:
        """Mean log-likelihood per scored step (natural log)."""
        return self.log_likelihood / self.steps if self.steps else float("nan")


class BarPositionUnigram:
    """log p(event class | position mod 16) with add-alpha smoothing over all 512 drum_kit classes."""

    def __init__(self, log_probs: np.ndarray) -> None:
        if log_probs.shape != (STEPS_PER_BAR, NUM_CLASSES):
            raise ValueError(f"expected a {STEPS_PER_BAR}x{NUM_CLASSES} table, got {log_probs.shape}")
        self.log_probs = log_probs

    @classmethod
    def fit(cls, tracks: Sequence[np.ndarray], alpha: float = 0.1) -> BarPositionUnigram:
        """Count classes per bar position over every step of every track (tracks start on a bar line)."""
        counts = np.full((STEPS_PER_BAR, NUM_CLASSES), alpha, dtype=np.float64)
        for track in tracks:
            events = np.asarray(track, dtype=np.int64)
            np.add.at(counts, (np.arange(len(events)) % STEPS_PER_BAR, events), 1.0)
        return cls(np.log(counts / counts.sum(axis=1, keepdims=True)))

    def score(self, tracks: Sequence[np.ndarray]) -> Score:
        """Log-likelihood of events 1..n-1 of each track (event 0 is never scored, as in Magenta)."""
        total, steps = 0.0, 0
        for track in tracks:
            events = np.asarray(track, dtype=np.int64)
            if len(events) < 2:
                continue
            positions = np.arange(1, len(events)) % STEPS_PER_BAR
            total += float(self.log_probs[positions, events[1:]].sum())
            steps += len(events) - 1
        return Score(total, steps)
