"""The bar-position unigram baseline on tiny synthetic MIDI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bridge.training.baseline import BarPositionUnigram
from bridge.training.drumtrack import read_tracks
from tests.training.synth import rock_bar, write_drums


def test_fitted_table_matches_hand_counts(tmp_path: Path) -> None:
    path = write_drums(tmp_path / "rock.mid", rock_bar(0) + rock_bar(16) + [(32, 36)])
    tracks = read_tracks(path)
    model = BarPositionUnigram.fit(tracks, alpha=0.5)
    # Position 0 saw kick+hat (class 5) twice and kick alone once: (2 + .5) / (3 + 512 * .5)
    assert model.log_probs[0, 5] == pytest.approx(math.log(2.5 / 259))
    assert model.log_probs[0, 1] == pytest.approx(math.log(1.5 / 259))
    # Position 1 saw silence twice.
    assert model.log_probs[1, 0] == pytest.approx(math.log(2.5 / 258))
    assert np.allclose(np.exp(model.log_probs).sum(axis=1), 1.0)


def test_scores_skip_the_first_event_and_prefer_the_fitted_style(tmp_path: Path) -> None:
    rock = read_tracks(write_drums(tmp_path / "rock.mid", sum((rock_bar(16 * b) for b in range(4)), [])))
    model = BarPositionUnigram.fit(rock)
    score = model.score(rock)
    assert score.steps == len(rock[0]) - 1
    expected = sum(model.log_probs[i % 16, rock[0][i]] for i in range(1, len(rock[0])))
    assert score.log_likelihood == pytest.approx(expected)
    odd = read_tracks(write_drums(tmp_path / "odd.mid", [(s, 49) for s in range(1, 60, 3)]))
    assert model.score(rock).per_step > model.score(odd).per_step + 1.0
    assert model.score(rock).per_step > -math.log(512)


def test_table_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="16x512"):
        BarPositionUnigram(np.zeros((4, 512)))
