"""Musical checks on generated drum answers: backbeat placement, note density, simultaneous classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

KICK, SNARE = 0, 1
STEPS_PER_BAR = 16
BEATS_1_3 = (0, 8)
BEATS_2_4 = (4, 12)


def classes_per_step(events: Sequence[int] | np.ndarray) -> np.ndarray:
    """How many drum classes sound at each step (popcount of the drum_kit class index)."""
    values = np.asarray(events, dtype=np.int64)
    return np.array([bin(int(v)).count("1") for v in values], dtype=np.int64)


def has_class(events: Sequence[int] | np.ndarray, drum_class: int) -> np.ndarray:
    """Boolean per step: does drum class `drum_class` (0 kick, 1 snare, ...) sound?"""
    return (np.asarray(events, dtype=np.int64) >> drum_class) & 1 == 1


@dataclass(frozen=True)
class PhraseStats:
    """Per-phrase figures; phrases start on a bar line."""

    kick_on_1_3: float
    snare_on_2_4: float
    density: float
    max_simultaneous: int


def phrase_stats(events: Sequence[int]) -> PhraseStats:
    """Kick on beats 1/3 and snare on 2/4 (fractions of those steps), hits per step, most classes at once."""
    values = np.asarray(events, dtype=np.int64)
    position = np.arange(len(values)) % STEPS_PER_BAR
    on_13 = np.isin(position, BEATS_1_3)
    on_24 = np.isin(position, BEATS_2_4)
    counts = classes_per_step(values)
    return PhraseStats(
        kick_on_1_3=float(has_class(values, KICK)[on_13].mean()) if on_13.any() else float("nan"),
        snare_on_2_4=float(has_class(values, SNARE)[on_24].mean()) if on_24.any() else float("nan"),
        density=float(counts.mean()) if len(values) else 0.0,
        max_simultaneous=int(counts.max()) if len(values) else 0,
    )


def summarize(calls: Sequence[Sequence[int]], answers: Sequence[Sequence[int]],
              references: Sequence[Sequence[int]]) -> dict:
    """Compare generated answers with the real continuations (the data) and with the calls."""
    call_stats = [phrase_stats(c) for c in calls]
    answer_stats = [phrase_stats(a) for a in answers]
    reference_stats = [phrase_stats(r) for r in references]

    def mean(stats: list[PhraseStats], name: str) -> float:
        return float(np.nanmean([getattr(s, name) for s in stats]))

    call_density = np.array([s.density for s in call_stats])
    answer_density = np.array([s.density for s in answer_stats])
    reference_density = np.array([s.density for s in reference_stats])
    correlation = (float(np.corrcoef(call_density, answer_density)[0, 1])
                   if len(call_density) > 2 and call_density.std() > 0 and answer_density.std() > 0 else float("nan"))
    return {
        "phrases": len(answer_stats),
        "kick_on_1_3": {"answers": mean(answer_stats, "kick_on_1_3"), "data": mean(reference_stats, "kick_on_1_3"),
                        "calls": mean(call_stats, "kick_on_1_3")},
        "snare_on_2_4": {"answers": mean(answer_stats, "snare_on_2_4"), "data": mean(reference_stats, "snare_on_2_4"),
                         "calls": mean(call_stats, "snare_on_2_4")},
        "density_hits_per_step": {"answers": float(answer_density.mean()), "data": float(reference_density.mean()),
                                  "calls": float(call_density.mean())},
        "density_ratio_answer_to_call": float(np.mean(answer_density / np.maximum(call_density, 1e-9))),
        "density_ratio_data_to_call": float(np.mean(reference_density / np.maximum(call_density, 1e-9))),
        "density_correlation_call_answer": correlation,
        "max_simultaneous_classes": max((s.max_simultaneous for s in answer_stats), default=0),
        "answers_over_4_classes": sum(s.max_simultaneous > 4 for s in answer_stats),
    }
