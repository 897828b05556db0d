"""Tempo and phase from noisy tick times: a sliding least-squares line with outlier and jump handling.

Pure math, no I/O and no clock reading: tick indices and times go in, a line `t = a + b * index`
comes out. The window grows while the tempo is steady (longer history, less noise) and is cut
back when the ticks walk away from the line (a tempo change), so both steady accuracy and
fast following are possible.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class TempoFitConfig:
    """Tuning of the estimator, in ticks and seconds."""

    max_window: int = 384  # 16 beats of 24 ppqn while the tempo is steady
    min_fit: int = 3  # ticks needed before the fit replaces the tempo hint
    outlier_s: float = 0.004  # a tick this far off the line is suspect
    jump_run: int = 3  # this many suspect ticks on one side in a row = tempo change
    drift_run: int = 12  # mean residual of this many recent ticks ...
    drift_s: float = 0.0012  # ... beyond this = slow tempo change (ramp): shorten the window
    drift_keep: int = 48  # ticks kept when a ramp is detected
    min_period_s: float = 60.0 / (1000.0 * 24)  # 1000 BPM: ticks closer than this came in a burst, not a tempo


class TempoFit:
    """Least-squares line through (tick index, time) pairs in a sliding window."""

    def __init__(self, config: TempoFitConfig | None = None, period_hint: float = 0.5 / 24) -> None:
        self.config = config or TempoFitConfig()
        self.period_hint = period_hint
        self._points: deque[tuple[float, float]] = deque()
        self._suspects: list[tuple[float, float]] = []
        self._recent_residuals: deque[float] = deque(maxlen=self.config.drift_run)
        self._base: tuple[float, float] | None = None
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self.outliers = 0
        self.jumps = 0
        self.bursts = 0
        self._slipped = 0

    # -- window bookkeeping -------------------------------------------------------------
    def _push(self, index: float, t: float) -> None:
        if self._base is None:
            self._base = (index, t)
        x, y = index - self._base[0], t - self._base[1]
        self._points.append((x, y))
        self._sx += x
        self._sy += y
        self._sxx += x * x
        self._sxy += x * y
        while len(self._points) > self.config.max_window:
            self._pop()

    def _pop(self) -> None:
        x, y = self._points.popleft()
        self._sx -= x
        self._sy -= y
        self._sxx -= x * x
        self._sxy -= x * y

    def _restart(self, points: list[tuple[float, float]]) -> None:
        self._points.clear()
        self._base = None
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self._recent_residuals.clear()
        for index, t in points:
            self._push(index, t)

    def reset(self) -> None:
        """Forget every tick (keeps the last period as the hint)."""
        self.period_hint = self.period
        self._suspects.clear()
        self._restart([])

    # -- the line ----------------------------------------------------------------------
    @property
    def count(self) -> int:
        """Ticks in the current window."""
        return len(self._points)

    def _line(self) -> tuple[float, float, float, float]:
        """(base index, base time, intercept, slope) of the current line, in base-relative units."""
        assert self._base is not None
        n = len(self._points)
        if n >= self.config.min_fit:
            denom = n * self._sxx - self._sx * self._sx
            if denom > 0:
                slope = (n * self._sxy - self._sx * self._sy) / denom
                if slope >= self.config.min_period_s:  # flatter is ticks read in a burst, never a tempo
                    return self._base[0], self._base[1], (self._sy - slope * self._sx) / n, slope
        x, y = self._points[-1]
        hint = max(self.period_hint, self.config.min_period_s)
        return self._base[0], self._base[1], y - hint * x, hint

    @property
    def period(self) -> float:
        """Seconds per tick."""
        if not self._points:
            return self.period_hint
        return self._line()[3]

    def time_of(self, index: float) -> float:
        """Predicted time of tick `index`."""
        if not self._points:
            raise ValueError("no ticks yet")
        bx, bt, a, b = self._line()
        return bt + a + b * (index - bx)

    def index_at(self, t: float) -> float:
        """Predicted (fractional) tick index at time `t`."""
        if not self._points:
            raise ValueError("no ticks yet")
        bx, bt, a, b = self._line()
        return bx + (t - bt - a) / b

    # -- feeding ticks -----------------------------------------------------------------
    def take_slip(self) -> int:
        """Ticks found missing since the last call (the caller's tick count must skip that many)."""
        slipped, self._slipped = self._slipped, 0
        return slipped

    def _slip(self, tolerance: float) -> bool:
        """Suspects exactly k periods late on the same line are k lost ticks (counted short), not a new tempo."""
        period = self.period
        residuals = [t - self.time_of(i) for i, t in self._suspects]
        k = round(sum(residuals) / len(residuals) / period)
        if k < 1 or any(abs(r - k * period) > tolerance for r in residuals):
            return False
        suspects, self._suspects = self._suspects, []
        for index, t in suspects:
            self._push(index + k, t)
        self._slipped += k
        return True

    def _burst(self) -> bool:
        """Whether the suspect ticks came faster than any tempo (`min_period_s` apart or less)."""
        (first_i, first_t), (last_i, last_t) = self._suspects[0], self._suspects[-1]
        return (last_t - first_t) <= self.config.min_period_s * max(last_i - first_i, 1)

    def add(self, index: float, t: float) -> float | None:
        """Add tick `index` seen at time `t`; return its residual against the prior line, if any."""
        cfg = self.config
        if len(self._points) < cfg.min_fit:
            self._push(index, t)
            return None
        residual = t - self.time_of(index)
        tolerance = max(cfg.outlier_s, 0.2 * self.period)
        if abs(residual) > tolerance:
            self._suspects.append((index, t))
            same_side = all(
                (s_t - self.time_of(s_i) > 0) == (residual > 0) for s_i, s_t in self._suspects
            )
            if not same_side:
                self._suspects = [(index, t)]
            if len(self._suspects) >= cfg.jump_run and self._slip(tolerance):
                return residual
            if len(self._suspects) >= cfg.jump_run and self._burst():
                # Held up on the way and read in one go (a stalled sender or machine catching up): late
                # ticks, not a new tempo. A line through them would have no slope at all.
                self.bursts += 1
                self.outliers += len(self._suspects)
                self._suspects = []
                return residual
            if len(self._suspects) >= cfg.jump_run:
                # The ticks have moved to a new line: restart from the ticks that showed it,
                # anchored by the last tick that still sat on the old line.
                self.jumps += 1
                anchor = [self._points[-1]] if self._points else []
                assert self._base is not None
                bx, bt = self._base
                restart = [(x + bx, y + bt) for x, y in anchor] + self._suspects
                self._suspects = []
                self.period_hint = (restart[-1][1] - restart[0][1]) / max(restart[-1][0] - restart[0][0], 1)
                self._restart(restart)
            return residual
        if self._suspects:
            self.outliers += len(self._suspects)
            self._suspects = []
        self._recent_residuals.append(residual)
        self._push(index, t)
        if len(self._recent_residuals) == cfg.drift_run:
            mean = sum(self._recent_residuals) / cfg.drift_run
            if abs(mean) > cfg.drift_s and len(self._points) > cfg.drift_keep:
                assert self._base is not None
                bx, bt = self._base
                keep = [(x + bx, y + bt) for x, y in list(self._points)[-cfg.drift_keep:]]
                self._restart(keep)
        return residual


def bpm_from_period(period_s: float, ticks_per_beat: int = 24) -> float:
    """Beats per minute for a tick period in seconds."""
    return 60.0 / (period_s * ticks_per_beat) if period_s > 0 else math.nan


def period_from_bpm(bpm: float, ticks_per_beat: int = 24) -> float:
    """Tick period in seconds for a tempo."""
    return 60.0 / (bpm * ticks_per_beat)
