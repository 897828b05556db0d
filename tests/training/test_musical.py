"""Musical checks: backbeat placement, density, simultaneous classes."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.training.musical import phrase_stats, summarize

KICK, SNARE, HAT = 1, 2, 4


def rock(bars: int = 2) -> np.ndarray:
    bar = np.zeros(16, dtype=np.int64)
    bar[::2] = HAT
    bar[[0, 8]] |= KICK
    bar[[4, 12]] |= SNARE
    return np.tile(bar, bars)


def test_rock_phrase_is_all_on_the_beat() -> None:
    stats = phrase_stats(rock())
    assert stats.kick_on_1_3 == 1.0 and stats.snare_on_2_4 == 1.0
    assert stats.density == pytest.approx((16 + 4 + 4) / 32)
    assert stats.max_simultaneous == 2


def test_displaced_and_crowded_phrases() -> None:
    shifted = np.roll(rock(), 2)
    stats = phrase_stats(shifted)
    assert stats.kick_on_1_3 == 0.0 and stats.snare_on_2_4 == 0.0
    crowded = rock()
    crowded[3] = 0b11111
    assert phrase_stats(crowded).max_simultaneous == 5


def test_summary_compares_answers_with_data_and_calls() -> None:
    calls = [rock(), rock()]
    answers = [rock(), np.full(32, 0b111111, dtype=np.int64)]
    summary = summarize(calls, answers, references=[rock(), rock()])
    assert summary["phrases"] == 2
    assert summary["kick_on_1_3"]["data"] == 1.0 and summary["kick_on_1_3"]["answers"] == 1.0
    assert summary["answers_over_4_classes"] == 1 and summary["max_simultaneous_classes"] == 6
    assert summary["density_ratio_data_to_call"] == pytest.approx(1.0)
    assert summary["density_ratio_answer_to_call"] > 1.0
