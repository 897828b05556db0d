"""Where a dashboard gets the show's state and sends its commands: the state-source abstraction.

A dashboard never touches engine objects. It polls `snapshot()` (the telemetry shape:
{"version", "state": {topic: dict}, "log": [event dicts]} plus "link": {"connected", "detail"})
and sends named commands with `submit()`. `LocalSource` reads a show in this process;
`bridge.remote.client.RemoteClient` reads one over TCP. Both are safe to call from any thread.
"""

from __future__ import annotations

from typing import Any, Protocol

from bridge.commands import Commands, CommandSpec
from bridge.telemetry import Telemetry


class StateSource(Protocol):
    """What the dashboard needs from a show, wherever it runs."""

    description: str  # shown in the title bar: "local show", "127.0.0.1:7420"
    owns_show: bool  # True when quitting the dashboard stops the show

    def snapshot(self) -> dict[str, Any]: ...
    def specs(self) -> list[CommandSpec]: ...
    def submit(self, name: str, *args: Any) -> None: ...
    def close(self) -> None: ...


class LocalSource:
    """The show in this process: telemetry snapshots and the command registry, nothing else."""

    owns_show = True

    def __init__(self, telemetry: Telemetry, commands: Commands, description: str = "local show") -> None:
        self.telemetry = telemetry
        self.commands = commands
        self.description = description

    def snapshot(self) -> dict[str, Any]:
        snap = self.telemetry.snapshot()
        snap["link"] = {"connected": True, "detail": self.description}
        return snap

    def specs(self) -> list[CommandSpec]:
        return self.commands.specs()

    def submit(self, name: str, *args: Any) -> None:
        """Queue a command for the engine thread; raises CommandError at once for a bad name or arguments."""
        self.commands.submit(name, *args)

    def close(self) -> None:
        """Nothing to release: the show belongs to its runner."""
