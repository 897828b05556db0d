"""Training: a tiny synthetic run lowers its own loss, reproducibly; gradients match finite differences."""

from __future__ import annotations

import numpy as np

from bridge.groove.model import GrooveModel
from bridge.groove.samples import build_samples
from bridge.groove.train import TrainConfig, backward, evaluate_loss, loss_and_grad, train
from tests.groove.synth import synthetic_set

CONFIG = TrainConfig(window=4, hidden=(16,), batch_size=32, learning_rate=3e-3, max_epochs=15, patience=15, seed=5,
                     dropout=0.1, weight_decay=1e-4)


def test_tiny_training_run_lowers_its_loss_and_is_reproducible() -> None:
    training = build_samples(synthetic_set(1), CONFIG.window)
    validation = build_samples(synthetic_set(2, performances=2), CONFIG.window)
    start = evaluate_loss(GrooveModel.init(CONFIG.window, CONFIG.hidden, np.random.default_rng(CONFIG.seed)), training)
    result = train(training, validation, CONFIG)
    assert evaluate_loss(result.model, training) < start - 0.5
    again = train(training, validation, CONFIG)
    assert all(np.array_equal(a, b) for a, b in zip(result.model.weights, again.model.weights))


def test_gradient_matches_finite_differences() -> None:
    samples = build_samples(synthetic_set(3, performances=1), 2)
    model = GrooveModel.init(2, (8,), np.random.default_rng(0))
    model.weights = [w.astype(np.float64) for w in model.weights]
    model.biases = [b.astype(np.float64) for b in model.biases]
    x, mask, velocity, offset = samples.batch(np.arange(20))
    x = x.astype(np.float64)
    _, grad = loss_and_grad(model.forward(x), mask, velocity, offset)
    grads_w, _ = backward(model, x, grad)
    for i, j in [(0, 0), (5, 3), (40, 7)]:
        saved = model.weights[0][i, j]
        model.weights[0][i, j] = saved + 1e-6
        up, _ = loss_and_grad(model.forward(x), mask, velocity, offset, need_grad=False)
        model.weights[0][i, j] = saved - 1e-6
        down, _ = loss_and_grad(model.forward(x), mask, velocity, offset, need_grad=False)
        model.weights[0][i, j] = saved
        assert abs((up - down) / 2e-6 - grads_w[0][i, j]) < 1e-4
