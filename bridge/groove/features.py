"""Model inputs for each step: the hits of a window of steps both sides, the position in the bar, the tempo."""

from __future__ import annotations

import numpy as np

from bridge.groove.grid import NUM_CLASSES, STEPS_PER_BAR

CHANNELS = NUM_CLASSES + 1  # the 9 hits plus "this step is known" (0 outside the pattern / not yet generated)
QPM_CENTER, QPM_SCALE = 110.0, 40.0


def feature_size(window: int) -> int:
    """Length of one step's input vector for a window of `window` steps each side."""
    return (2 * window + 1) * CHANNELS + STEPS_PER_BAR + 1


def padded_channels(hits: np.ndarray, window: int, known: int | None = None) -> np.ndarray:
    """(steps + 2*window, CHANNELS) float32: hits and the known flag, zero-padded by `window` each side.

    `known` (default: all) is how many leading steps are known; later steps read as outside the pattern.
    """
    steps = hits.shape[0]
    known = steps if known is None else max(0, min(known, steps))
    out = np.zeros((steps + 2 * window, CHANNELS), np.float32)
    out[window:window + known, :NUM_CLASSES] = hits[:known]
    out[window:window + known, NUM_CLASSES] = 1.0
    return out


def step_features(channels: np.ndarray, centers: np.ndarray, positions: np.ndarray, qpm: np.ndarray | float,
                  window: int) -> np.ndarray:
    """(len(centers), feature_size) inputs; `centers` index steps of the unpadded sequence behind `channels`."""
    rows = channels[centers[:, None] + np.arange(2 * window + 1)[None, :]]
    return window_features(rows, positions, qpm)


def window_features(rows: np.ndarray, positions: np.ndarray, qpm: np.ndarray | float) -> np.ndarray:
    """Inputs from gathered windows (samples, 2*window+1, CHANNELS), bar positions and tempo."""
    flat = rows.reshape(len(rows), -1)
    onehot = np.zeros((len(rows), STEPS_PER_BAR), np.float32)
    onehot[np.arange(len(rows)), np.asarray(positions) % STEPS_PER_BAR] = 1.0
    tempo = np.broadcast_to((np.asarray(qpm, np.float32) - QPM_CENTER) / QPM_SCALE, (len(rows),))
    return np.concatenate([flat, onehot, tempo[:, None].astype(np.float32)], axis=1)
