"""Fixtures for the model tests: committed bundles, MIDI files and real-Magenta reference outputs."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
BUNDLES = DATA / "bundles"
MIDI = DATA / "midi"
REFERENCE_NAMES = sorted(p.stem for p in (DATA / "reference").glob("*.json"))
DRUM_IDS = ("drum_kit", "one_drum")


@functools.cache
def reference(name: str) -> dict:
    """Reference outputs of real Magenta 2.1.4 for one bundle (scripts/magenta_reference.py)."""
    return json.loads((DATA / "reference" / f"{name}.json").read_text())


@functools.cache
def load_model(name: str):
    """A committed bundle, loaded once per test session."""
    from bridge.models import Model

    return Model.load(BUNDLES / f"{name}.mag")


def as_events(raw: list, drums: bool) -> list:
    """JSON events back to Magenta events (frozensets for drums)."""
    return [frozenset(e) for e in raw] if drums else list(raw)


def reference_cases() -> list:
    """(bundle name, midi file) for every reference entry."""
    return [pytest.param(name, midi, id=f"{name}-{midi}")
            for name in REFERENCE_NAMES for midi in reference(name)["files"]]
