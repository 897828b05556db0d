"""Dashboard test setup: stable rendering (UTC log times, colours on) for pilot and snapshot tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def stable_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Log lines print local time: pin it to UTC; snapshots are taken with colours (NO_COLOR unset)."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
