"""De-jittered MIDI arrival times: the driver's spacing, anchored to the earliest arrival."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.midi.timestamps import ArrivalSmoother


def test_period_jitter_and_delivery_delay_are_removed() -> None:
    rng = np.random.default_rng(3)
    sent = np.arange(2000) * (0.5 / 24)
    arrival = sent + rng.uniform(0.0, 0.00133, size=sent.size)  # delivered at the next JACK period
    deltas = np.diff(sent, prepend=sent[0])
    smoother = ArrivalSmoother()
    stamped = np.array([smoother.stamp(a, d) for a, d in zip(arrival, deltas)])
    error = stamped[200:] - sent[200:]
    assert np.all(error >= 0)
    assert error.max() < 0.0001  # the earliest arrival in the window is almost the send time
    assert np.all(stamped <= arrival)


def test_slow_drift_between_clocks_is_followed() -> None:
    sent = np.arange(5000) * 0.02
    arrival = sent * (1 + 50e-6) + 0.0005  # driver clock 50 ppm slow, constant 0.5 ms latency
    deltas = np.diff(sent, prepend=sent[0])
    smoother = ArrivalSmoother(window=64)
    stamped = [smoother.stamp(a, d) for a, d in zip(arrival, deltas)]
    assert stamped[-1] == pytest.approx(arrival[-1], abs=0.0001)


def test_a_nonsense_delta_restarts_the_anchor() -> None:
    smoother = ArrivalSmoother()
    assert smoother.stamp(1.0, 0.0) == 1.0
    assert smoother.stamp(1.02, 0.02) == pytest.approx(1.02)
    assert smoother.stamp(9.0, 5.0) == 9.0  # a long silence: trust the arrival
    assert smoother.stamp(9.0203, 0.02) == pytest.approx(9.02)
