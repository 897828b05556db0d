"""Train, evaluate and record a groove model from a folder of performances (CLI `groove train`, `make model`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from bridge.groove.dataset import load_splits
from bridge.groove.evaluate import quality
from bridge.groove.samples import build_samples
from bridge.groove.train import TrainConfig, train

CREDIT = ("Groove MIDI Dataset v1.0.0 (CC BY 4.0): Jon Gillick, Adam Roberts, Jesse Engel, Douglas Eck, "
          "David Bamman. \"Learning to Groove with Inverse Sequence Transformations.\" ICML 2019.")


def build(midi_dir: Path, out: Path, config: TrainConfig, cache: Path | None = None,
          progress: Callable[[dict], None] | None = None) -> dict:
    """Train on the train split (validation for early stopping), score the test split's 4/4 beats, write
    `out` (.npz) and return the record that goes next to it as JSON."""
    began = time.monotonic()
    sets, split = load_splits(midi_dir, cache)
    training = build_samples(sets["train"], config.window)
    validation = build_samples(sets["validation"], config.window)
    if not len(training) or not len(validation):
        raise ValueError(f"{midi_dir}: no 4/4 drum hits in the train or validation split")
    result = train(training, validation, config, progress)
    test = sets["test"].beats_only()
    figures = quality(result.model, sets["train"], test, seed=config.seed) if len(test.hits) else {}
    record = {
        "model": "groove MLP (window of steps both sides -> Laplace velocity and offset per hit)",
        "dataset": {"credit": CREDIT, "split": split,
                    "hits": {"train": int(training.mask.sum()), "validation": int(validation.mask.sum())}},
        "config": asdict(config),
        "training": {"best_epoch": result.best_epoch, "history": result.history,
                     "seconds": round(time.monotonic() - began, 1)},
        "test_beats": figures,
    }
    result.model.meta = {"config": asdict(config), "best_epoch": result.best_epoch, "credit": CREDIT}
    out.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(out)
    return record


def write_record(record: dict, path: Path) -> None:
    """The training record as indented JSON."""
    path.write_text(json.dumps(record, indent=1) + "\n")
