"""A drum performance on the 16th grid: which of the 9 drum_kit classes hit on each step, how loud, how late."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.models.encodings import DEFAULT_DRUM_TYPE_PITCHES, DRUM_CLASS_NAMES

NUM_CLASSES = len(DEFAULT_DRUM_TYPE_PITCHES)
STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16
PITCH_CLASS = {pitch: index for index, pitches in enumerate(DEFAULT_DRUM_TYPE_PITCHES) for pitch in pitches}
CLASS_NAMES = DRUM_CLASS_NAMES
# An offset is a fraction of a 16th; it never moves a hit past half a 16th, so every hit stays on its step.
MAX_OFFSET = 0.49


@dataclass
class GrooveGrid:
    """Per step and class: hit (bool), velocity (1..127) and offset from the grid (fraction of a 16th)."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    qpm: float = 120.0

    def __post_init__(self) -> None:
        if self.hits.ndim != 2 or self.hits.shape[1] != NUM_CLASSES:
            raise ValueError(f"a groove grid is (steps, {NUM_CLASSES}), got {self.hits.shape}")

    @property
    def steps(self) -> int:
        """Number of 16th steps."""
        return int(self.hits.shape[0])

    @property
    def step_ms(self) -> float:
        """Length of one 16th in milliseconds at this grid's tempo."""
        return 60000.0 / (self.qpm * STEPS_PER_QUARTER)

    @classmethod
    def empty(cls, steps: int, qpm: float = 120.0) -> GrooveGrid:
        """A grid of `steps` silent steps."""
        return cls(np.zeros((steps, NUM_CLASSES), bool), np.zeros((steps, NUM_CLASSES), np.float32),
                   np.zeros((steps, NUM_CLASSES), np.float32), qpm)


def hits_from_masks(masks: np.ndarray) -> np.ndarray:
    """drum_kit class bitmasks per step (0..511) -> (steps, 9) booleans."""
    masks = np.asarray(masks, dtype=np.int64)
    return ((masks[:, None] >> np.arange(NUM_CLASSES)) & 1).astype(bool)


def masks_from_hits(hits: np.ndarray) -> np.ndarray:
    """(steps, 9) booleans -> drum_kit class bitmask per step."""
    return (np.asarray(hits, dtype=np.int64) << np.arange(NUM_CLASSES)).sum(axis=1)
