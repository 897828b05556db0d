"""Training data for the groove model: GrooveGrids of a folder's train/validation/test split, cached as .npz."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge.groove.grid import NUM_CLASSES, GrooveGrid
from bridge.groove.performance import PerformanceError, read_performance
from bridge.training.split import SPLITS, find_split

log = logging.getLogger(__name__)


@dataclass
class GrooveSet:
    """All performances of one split, concatenated: per-step arrays plus where each performance starts."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    qpm: np.ndarray
    starts: np.ndarray
    beat: np.ndarray

    def grids(self) -> list[GrooveGrid]:
        """The performances one by one."""
        ends = [*self.starts[1:], len(self.hits)]
        return [GrooveGrid(self.hits[a:b], self.velocity[a:b], self.offset[a:b], float(self.qpm[i]))
                for i, (a, b) in enumerate(zip(self.starts, ends))]

    def beats_only(self) -> GrooveSet:
        """Only the performances labelled `beat` (not fills), as the quality figures use."""
        return GrooveSet.from_grids([g for g, b in zip(self.grids(), self.beat) if b], [True] * int(self.beat.sum()))

    @classmethod
    def from_grids(cls, grids: list[GrooveGrid], beat: list[bool]) -> GrooveSet:
        """Concatenate grids (empty input gives an empty set)."""
        lengths = [g.steps for g in grids]
        starts = np.cumsum([0, *lengths[:-1]]).astype(np.int64) if grids else np.zeros(0, np.int64)
        def stack(name: str, dtype: type) -> np.ndarray:
            parts = [getattr(g, name) for g in grids]
            return np.concatenate(parts).astype(dtype) if parts else np.zeros((0, NUM_CLASSES), dtype)
        return cls(stack("hits", bool), stack("velocity", np.float32), stack("offset", np.float32),
                   np.array([g.qpm for g in grids], np.float32), starts, np.array(beat, bool))


def _beat_flags(root: Path) -> dict[str, bool]:
    """midi_filename -> whether info.csv calls it a beat (True for every file when there is no info.csv)."""
    table = root / "info.csv"
    if not table.is_file():
        return {}
    with table.open(newline="") as handle:
        return {row["midi_filename"]: row.get("beat_type", "beat") == "beat" for row in csv.DictReader(handle)}


def load_splits(midi_dir: str | Path, cache: Path | None = None) -> tuple[dict[str, GrooveSet], dict]:
    """4/4 performances per split (train, validation, test) and a record of the split for training.json."""
    split = find_split(midi_dir)
    if cache is not None and cache.is_file():
        with np.load(cache) as data:
            sets = {name: GrooveSet(*(data[f"{name}_{k}"] for k in
                                      ("hits", "velocity", "offset", "qpm", "starts", "beat"))) for name in SPLITS}
        return sets, split.to_json()
    beats = _beat_flags(split.root)
    sets, skipped = {}, 0
    for name in SPLITS:
        grids, flags = [], []
        for relative in split.files.get(name, []):
            try:
                grid, signature = read_performance(split.root / relative)
            except PerformanceError as error:
                log.warning("%s", error)
                skipped += 1
                continue
            if signature != (4, 4) or grid.steps == 0:
                continue
            grids.append(grid)
            flags.append(beats.get(relative, True))
        sets[name] = GrooveSet.from_grids(grids, flags)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **{f"{n}_{k}": getattr(s, k) for n, s in sets.items()
                           for k in ("hits", "velocity", "offset", "qpm", "starts", "beat")})
    record = split.to_json() | {"skipped_unreadable": skipped}
    return sets, record
