"""The one way tests wait for something real (a thread, a port, a process) to happen: poll a condition."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 5.0, *, pump: Callable[[], object] | None = None,
               what: str | Callable[[], str] | None = None, interval: float = 0.005) -> T:
    """Poll `condition` until it returns something truthy and return that; raise AssertionError after `timeout` s.

    `pump` runs between tries (e.g. stepping a virtual clock); `what` (text, or a callable giving it on failure)
    says what was awaited; without it the message quotes the condition's source line.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        if pump is not None:
            pump()
        time.sleep(interval)
    described = what() if callable(what) else what
    raise AssertionError(f"waited {timeout:g} s for {described or describe(condition)}; last value {value!r}")


def describe(condition: Callable[..., object]) -> str:
    """The condition's source line (a lambda's text), or its name when there is no source."""
    try:
        return inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return getattr(condition, "__qualname__", repr(condition))
