"""Synthetic MIDI clock streams for tests: exact tick times plus seeded jitter, drops and tempo changes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def tick_times(bpm_at: Callable[[float], float], beats: float, jitter_s: float = 0.0, seed: int = 0,
               start: float = 0.0, drop_every: int = 0) -> tuple[list[float], list[float]]:
    """(ideal tick times, observed tick times) for `beats` beats; tempo may vary with the beat."""
    rng = np.random.default_rng(seed)
    ideal: list[float] = []
    observed: list[float] = []
    t = start
    for k in range(int(round(beats * 24))):
        ideal.append(t)
        if not (drop_every and k % drop_every == drop_every - 1):
            observed.append(t + float(rng.uniform(-jitter_s, jitter_s)))
        t += 60.0 / bpm_at(k / 24) / 24
    return ideal, observed
