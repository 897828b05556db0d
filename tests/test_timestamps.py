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
    assert smoother.stamp(90.0, 85.0) == 90.0  # over a minute of silence: trust the arrival, not the old anchor
    assert smoother.stamp(90.0203, 0.02) == pytest.approx(90.02)
    assert smoother.stamp(90.05, -0.01) == 90.05  # a delta backwards is nonsense


def test_the_first_message_after_a_silence_keeps_its_time_when_read_late() -> None:
    """Live stops for half a minute; its Start is read 10 ms late (the poller is idle): stamped when it came."""
    smoother = ArrivalSmoother()
    sent = list(np.arange(200) * 0.02) + [200 * 0.02 + 30.0]
    for k, t in enumerate(sent[:-1]):
        smoother.stamp(t + 0.0004, t - sent[k - 1] if k else 0.0)
    start = smoother.stamp(sent[-1] + 0.010, sent[-1] - sent[-2])
    assert start == pytest.approx(sent[-1], abs=0.0005)
