"""Timing of model answers, shared by `drumbridge model bench` and bench/model.py."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bridge.models.encodings import NO_EVENT
from bridge.models.model import Model


def demo_primer(model: Model, steps: int) -> list:
    """A fixed primer: a basic rock beat for drums, a C-major arpeggio for melodies."""
    if model.is_drums:
        pattern = [{36, 42}, set(), {42}, set(), {38, 42}, set(), {42}, {36}]
        return [frozenset(pattern[i % len(pattern)]) for i in range(steps)]
    notes = [60, NO_EVENT, 64, NO_EVENT, 67, NO_EVENT, 72, -1]
    return [notes[i % len(notes)] for i in range(steps)]


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    ms = np.array(samples_s) * 1e3
    return {"p50_ms": round(float(np.percentile(ms, 50)), 4), "p99_ms": round(float(np.percentile(ms, 99)), 4),
            "max_ms": round(float(ms.max()), 4)}


def time_answers(model: Model, steps: int = 32, primer_steps: int = 16, runs: int = 200,
                 clock: Callable[[], float] = time.perf_counter) -> dict:
    """Time (a) one-shot primer + `steps` answer, (b) the answer alone with the call already fed,
    (c) the first answer step once the call's last step is fed (streaming), (d) feeding one call step."""
    primer = demo_primer(model, primer_steps)
    oneshot, answer, first, feed = [], [], [], []
    for run in range(runs + 3):
        t0 = clock()
        model.generate(primer, steps, temperature=1.0, seed=run)
        t1 = clock()
        session = model.session()
        session.feed_many(primer[:-1])
        rng = np.random.default_rng(run)
        t2 = clock()
        session.feed(primer[-1])
        t3 = clock()
        session.sample(rng)
        t4 = clock()
        session.sample_steps(steps - 1, rng)
        t5 = clock()
        if run >= 3:  # warm-up
            oneshot.append(t1 - t0)
            feed.append(t3 - t2)
            first.append(t4 - t3)
            answer.append(t5 - t3)
    result: dict[str, object] = {"steps": steps, "primer_steps": primer_steps, "runs": runs}
    result.update(percentiles(oneshot))
    result["answer_after_fed_call"] = percentiles(answer)
    result["first_step_after_call"] = percentiles(first)
    result["feed_one_step"] = percentiles(feed)
    return result
