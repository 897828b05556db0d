"""Train the groove MLP in numpy: Laplace negative log-likelihood, hand-written backprop, Adam, early stopping."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bridge.groove.grid import NUM_CLASSES
from bridge.groove.model import OUTPUTS, GrooveModel
from bridge.groove.samples import Samples

log = logging.getLogger(__name__)
LOG_SCALE_RANGE = (-7.0, 2.0)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; the defaults built builtin:groove."""

    window: int = 16
    hidden: tuple[int, ...] = (128, 128)
    batch_size: int = 512
    learning_rate: float = 1e-3
    max_epochs: int = 20
    patience: int = 4
    horizon_share: float = 0.2
    dropout: float = 0.3
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass
class TrainResult:
    """The best model (by validation loss) and the loss history."""

    model: GrooveModel
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0


def loss_and_grad(out: np.ndarray, mask: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
                  need_grad: bool = True) -> tuple[float, np.ndarray | None]:
    """Mean Laplace NLL over the hit cells (velocity + offset) and its gradient w.r.t. the raw outputs."""
    count = max(int(mask.sum()), 1)
    grad = np.zeros_like(out) if need_grad else None
    total = 0.0
    for k, target in ((0, velocity), (2, offset)):
        mu = out[..., k]
        log_b = np.clip(out[..., k + 1], *LOG_SCALE_RANGE)
        inv_b = np.exp(-log_b)
        error = target - mu
        total += float(((np.abs(error) * inv_b + log_b) * mask).sum())
        if grad is not None:
            grad[..., k] = -np.sign(error) * inv_b * mask / count
            inside = (out[..., k + 1] > LOG_SCALE_RANGE[0]) & (out[..., k + 1] < LOG_SCALE_RANGE[1])
            grad[..., k + 1] = (1.0 - np.abs(error) * inv_b) * mask * inside / count
    return total / count, grad


def forward_train(model: GrooveModel, x: np.ndarray, rng: np.random.Generator | None,
                  dropout: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Raw outputs and the layer inputs, with inverted dropout on the hidden layers when `rng` is given."""
    activations = [x]
    for w, b in zip(model.weights[:-1], model.biases[:-1]):
        h = np.maximum(activations[-1] @ w + b, 0.0)
        if rng is not None and dropout > 0:
            h *= (rng.random(h.shape, np.float32) >= dropout) / np.float32(1.0 - dropout)
        activations.append(h)
    out = activations[-1] @ model.weights[-1] + model.biases[-1]
    return out.reshape(len(x), NUM_CLASSES, OUTPUTS), activations


def backward(model: GrooveModel, x: np.ndarray, grad_out: np.ndarray,
             activations: list[np.ndarray] | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradients of weights and biases for one batch, given the gradient of the raw outputs."""
    if activations is None:
        activations = forward_train(model, x, None, 0.0)[1]
    delta = grad_out.reshape(len(x), NUM_CLASSES * OUTPUTS).astype(np.float32)
    grads_w, grads_b = [], []
    for layer in range(len(model.weights) - 1, -1, -1):
        grads_w.append(activations[layer].T @ delta)
        grads_b.append(delta.sum(axis=0))
        if layer:
            delta = (delta @ model.weights[layer].T) * (activations[layer] > 0)
    return grads_w[::-1], grads_b[::-1]


class Adam:
    """Adam over a list of parameter arrays, updated in place."""

    def __init__(self, params: list[np.ndarray], lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 decay: list[float] | None = None) -> None:
        self.params, self.lr, self.beta1, self.beta2 = params, lr, beta1, beta2
        self.decay = decay or [0.0] * len(params)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        """One update."""
        self.t += 1
        scale = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for p, g, m, v, decay in zip(self.params, grads, self.m, self.v, self.decay):
            if decay:
                p *= np.float32(1.0 - self.lr * decay)  # decoupled weight decay (AdamW)
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= (scale * m / (np.sqrt(v) + 1e-8)).astype(p.dtype)


def evaluate_loss(model: GrooveModel, samples: Samples, batch: int = 4096) -> float:
    """Mean Laplace NLL over every hit of `samples` (full context, no horizon cut)."""
    total, count = 0.0, 0
    for start in range(0, len(samples), batch):
        index = np.arange(start, min(start + batch, len(samples)))
        x, mask, velocity, offset = samples.batch(index)
        loss, _ = loss_and_grad(model.forward(x), mask, velocity, offset, need_grad=False)
        n = int(mask.sum())
        total += loss * n
        count += n
    return total / max(count, 1)


def train(train_set: Samples, validation: Samples, config: TrainConfig = TrainConfig(),
          progress: Callable[[dict], None] | None = None) -> TrainResult:
    """Fit a model on `train_set`, keeping the weights of the epoch with the lowest validation loss."""
    rng = np.random.default_rng(config.seed)
    model = GrooveModel.init(config.window, config.hidden, rng)
    decay = [config.weight_decay] * len(model.weights) + [0.0] * len(model.biases)
    optimiser = Adam(model.weights + model.biases, config.learning_rate, decay=decay)
    best = (evaluate_loss(model, validation), [w.copy() for w in model.weights], [b.copy() for b in model.biases])
    result = TrainResult(model, [{"epoch": 0, "validation_loss": best[0]}])
    began, stale = time.monotonic(), 0
    for epoch in range(1, config.max_epochs + 1):
        order = rng.permutation(len(train_set))
        running, batches = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            x, mask, velocity, offset = train_set.batch(order[start:start + config.batch_size], rng,
                                                        config.horizon_share)
            out, activations = forward_train(model, x, rng, config.dropout)
            loss, grad = loss_and_grad(out, mask, velocity, offset)
            assert grad is not None
            grads_w, grads_b = backward(model, x, grad, activations)
            optimiser.step(grads_w + grads_b)
            running += loss
            batches += 1
        validation_loss = evaluate_loss(model, validation)
        entry = {"epoch": epoch, "train_loss": running / max(batches, 1), "validation_loss": validation_loss,
                 "seconds": round(time.monotonic() - began, 1)}
        result.history.append(entry)
        if progress:
            progress(entry)
        if validation_loss < best[0]:
            best = (validation_loss, [w.copy() for w in model.weights], [b.copy() for b in model.biases])
            result.best_epoch, stale = epoch, 0
        else:
            stale += 1
        if stale >= config.patience:
            break
    model.weights, model.biases = best[1], best[2]
    return result
