"""Named commands (panic, mute, temperature, ...) that the dashboard, OSC control and CLI send to the engine.

Senders only name a command and its arguments; `submit` checks them on the caller's thread (so a
mistake is reported at once) and runs the handler on the engine thread. Components register the
commands they understand, so every front end offers the same set.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Post = Callable[[Callable[[], None]], None]  # runs a callable on the engine thread (Engine.post_command)
Log = Callable[[str, str, str], object]  # (level, source, message): Telemetry.event


class CommandError(ValueError):
    """An unknown command or bad arguments."""


@dataclass(frozen=True)
class CommandSpec:
    """A command as front ends see it."""

    name: str  # dotted: "panic", "transport", "responder.mute", "drum.test"
    help: str
    params: tuple[str, ...]  # argument names, in order


class Commands:
    """The registry of commands of one show."""

    def __init__(self, post: Post, log: Log) -> None:
        self._post = post
        self._log = log
        self._handlers: dict[str, tuple[CommandSpec, Callable[..., Any]]] = {}

    def register(self, name: str, handler: Callable[..., Any], help: str) -> None:
        """Add a command; its parameters are the handler's parameters."""
        if name in self._handlers:
            raise ValueError(f"command {name!r} registered twice")
        params = tuple(inspect.signature(handler).parameters)
        self._handlers[name] = (CommandSpec(name, help, params), handler)

    def specs(self) -> list[CommandSpec]:
        return [spec for spec, _ in sorted(self._handlers.values(), key=lambda item: item[0].name)]

    def submit(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Check `name` and arguments now; run the handler on the engine thread at its next step."""
        if name not in self._handlers:
            raise CommandError(f"unknown command {name!r}; known: {', '.join(sorted(self._handlers))}")
        spec, handler = self._handlers[name]
        try:
            inspect.signature(handler).bind(*args, **kwargs)
        except TypeError as error:
            raise CommandError(f"{name}({', '.join(spec.params)}): {error}") from None

        def run() -> None:
            handler(*args, **kwargs)
            self._log("info", "command", f"{name} {' '.join(map(str, args))}".strip())

        self._post(run)
