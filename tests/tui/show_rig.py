"""A real Show in virtual time plus a stand-in for the responders and drum link that records its commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.component import Component
from bridge.midi.factory import MemoryPorts
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime

SET = """
name = "pilot"
[clock]
source = "internal"
bpm = 120.0
[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = 9
"""

ALL = ("responder.mute", "responder.temperature", "responder.temperature_step", "responder.loop",
       "responder.mutate", "drum.reconnect", "drum.test")


class StandIn(Component):
    """Registers the responder and drum commands (as those parts will) and publishes their topics."""

    name = "stand-in"

    def __init__(self, show: Show, commands: tuple[str, ...] = ALL) -> None:
        self.telemetry = show.telemetry
        self.calls: list[tuple[Any, ...]] = []
        self.panics = 0
        self.muted = {"bass": False, "drums": True}
        handlers = {
            "responder.mute": lambda name, on: self._record("responder.mute", name, on),
            "responder.temperature": lambda name, value: self._record("responder.temperature", name, value),
            "responder.temperature_step": lambda name, delta: self._record("responder.temperature_step", name, delta),
            "responder.loop": lambda name, on: self._record("responder.loop", name, on),
            "responder.mutate": lambda name: self._record("responder.mutate", name),
            "drum.reconnect": lambda: self._record("drum.reconnect"),
            "drum.test": lambda motor, velocity: self._record("drum.test", motor, velocity),
        }
        for command in commands:
            show.commands.register(command, handlers[command], command)

    def _record(self, *call: Any) -> None:
        self.calls.append(call)
        if call[0] == "responder.mute":
            self.muted[call[1]] = call[2]

    def panic(self) -> None:
        self.panics += 1

    def publish(self, now: float) -> None:
        for name, temperature in (("bass", 0.8), ("drums", 1.0)):
            self.telemetry.replace(f"responder.{name}", {
                "state": "listening", "model": "builtin:drums", "models": ["builtin:drums"],
                "temperature": temperature, "call_bars": 2, "answer_bars": 2, "mode": "call-response",
                "muted": self.muted[name], "last_gen_ms": 3.0, "margin_ms": 400.0, "late": 0,
                "fallback": "repeat-call", "fallbacks": 0, "next_beat": 8.0})
        self.telemetry.replace("drum", {"link_state": "connected", "port": "/dev/ttyACM0", "serial": "auto",
                                        "firmware": "1.0", "heartbeat_age_ms": 20.0, "motors": [
                                            {"motor": m, "voice": None, "last_hit": None, "hits_per_min": 0,
                                             "strikes": 0, "refused": 0, "latency_ms": None}
                                            for m in range(4)]})


def make_show(commands: tuple[str, ...] = ALL) -> tuple[Show, ManualTime, StandIn, MemoryPorts]:
    """A running show (internal clock started) whose telemetry has been published once."""
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set(SET), ports, time)
    stand_in = StandIn(show, commands)
    show.engine.add(stand_in)
    run_virtual(show.engine, time, 1.0)
    return show, time, stand_in, ports


def step(show: Show, time: ManualTime, seconds: float = 0.2) -> None:
    """Let the engine run its command queue (virtual time)."""
    run_virtual(show.engine, time, time() + seconds)


def whole_show(tmp_path: Path, name: str, cue: str, cue_every_bars: int,
               demo_call: bool = False) -> tuple[Show, ManualTime]:
    """A show with every part a set can have (OSC target, cue `cue`, a builtin responder, the drum on a
    serial port that is not there, the stage watch), as `drumbridge run` builds it, in virtual time."""
    from bridge.cli.run_cmd import watch_stage

    demo = '[responders.demo_call]\nphrase = "rock"\nevery_bars = 4\n' if demo_call else ""
    time = ManualTime()
    show = Show(parse_set(f'''name = "{name}"
[clock]
source = "internal"
[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = 9
[[osc.cues]]
name = "{cue}"
at = {{ every_bars = {cue_every_bars} }}
[[responders]]
name = "drums"
model = "builtin:drums"
{demo}[drum]
serial = "{tmp_path / 'ttyACM9'}"
'''), MemoryPorts(time), time)
    watch_stage(show)
    return show, time
