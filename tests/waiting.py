"""The one way tests wait for something real (a thread, a port, a process) to happen: poll a condition."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import IO, TypeVar

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


def read_until(stream: IO[str], text: str) -> str:
    """Read lines from a process's stream (its stderr, say) until one contains `text`; return them all.

    Raises AssertionError with what was read when the stream ends first (the process exited)."""
    lines = []
    while line := stream.readline():
        lines.append(line)
        if text in line:
            return "".join(lines)
    raise AssertionError(f"the stream ended before a line with {text!r}; it said: {''.join(lines)!r}")
