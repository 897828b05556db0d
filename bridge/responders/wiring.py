"""Responders from a set file onto a show: ports, models, workers, demo callers, commands, OSC state."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.commands import Commands
from bridge.engine import Engine
from bridge.flags import parse_flag
from bridge.responders.caller import DemoCaller
from bridge.responders.config import ResponderConfig
from bridge.responders.loader import ModelLoader
from bridge.responders.responder import Responder
from bridge.responders.settings import TEMPERATURE_RANGE
from bridge.services import PortOpener, ResponderSink, WorkerFactory
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

if TYPE_CHECKING:
    from bridge.groove.model import GrooveModel


def build_responders(configs: list[ResponderConfig], *, engine: Engine, ports: PortOpener, telemetry: Telemetry,
                     time_source: TimeSource, commands: Commands, osc: ResponderSink, models: ModelLoader,
                     workers: WorkerFactory) -> list[Responder]:
    """Load every model first (a bad one stops the show before any port opens), then wire each responder."""
    loaded = {config.name: [models(spec) for spec in config.all_models] for config in configs}
    grooves = {config.name: _load_groove(config) for config in configs}
    responders = []
    for config in configs:
        output = ports.open_output(config.output_spec)
        ports.open_input(config.input_spec)
        responder = Responder(config, loaded[config.name], engine.scheduler, output.send, telemetry,
                              workers(config.name), time_source)
        responder.set_groove(grooves[config.name])
        engine.add(responder)
        engine.route(config.input_port, responder.on_midi)
        if config.demo_call is not None:
            engine.add(DemoCaller(config.demo_call, config.input_port, engine.scheduler, engine.post_midi))
        osc.declare(responders=[responder.name])  # OSCQuery lists the responder before its first state change
        responder.add_state_listener(osc.responder_state)
        # answer notes: OscOutput subscribes itself when a target or a cue wants them (subscribing here too
        # sent every note and fired every note cue twice)
        responders.append(responder)
    register_commands(commands, responders, telemetry)
    return responders


def _load_groove(config: ResponderConfig) -> GrooveModel | None:
    """The responder's groove model (None for `groove = "none"`; only drum models are ever grooved)."""
    from bridge.groove.model import GrooveModelError
    from bridge.groove.registry import load_groove
    from bridge.responders.generator import GeneratorError

    try:
        return load_groove(config.groove)
    except GrooveModelError as error:
        raise GeneratorError(f"responder {config.name!r}: {error}") from None


def register_commands(commands: Commands, responders: list[Responder], telemetry: Telemetry) -> None:
    """The `responder.*` commands the dashboard, OSC control and CLI share (none in a show without responders)."""
    if not responders:
        return
    by_name = {r.name: r for r in responders}

    def find(name: str) -> Responder:
        if name not in by_name:
            raise ValueError(f"no responder {name!r}; responders: {', '.join(by_name) or 'none'}")
        return by_name[name]

    def command(name: str, help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        def register(handler: Callable[..., None]) -> Callable[..., None]:
            commands.register(name, handler, help)
            return handler
        return register

    @command("responder.mute", "mute (on) or unmute (off) a responder's answers")
    def mute(name: str, on: Any) -> None:
        find(name).set_muted(parse_flag(on))

    @command("responder.temperature", "set a responder's sampling temperature (0.05..4)")
    def temperature(name: str, value: Any) -> None:
        set_temperature(find(name), float(value))

    @command("responder.temperature_step", "nudge a responder's temperature by delta")
    def temperature_step(name: str, delta: Any) -> None:
        responder = find(name)
        set_temperature(responder, responder.temperature + float(delta))

    def set_temperature(responder: Responder, value: float) -> None:
        """Set it, and say so when the value was out of range and got clamped (a typo must not pass silently)."""
        responder.set_temperature(value)
        if responder.temperature != round(value, 4):
            low, high = TEMPERATURE_RANGE
            telemetry.event(
                "warning", f"responder {responder.name}",
                f"temperature {value:g} is outside {low:g}..{high:g}; set to {responder.temperature:g}")

    @command("responder.humanize", "set how much groove a responder's drum answers get (0 = grid .. 1)")
    def humanize(name: str, value: Any) -> None:
        find(name).set_humanize(float(value))

    @command("responder.loop", "loop the last answer (on) or go back to the set mode (off)")
    def loop(name: str, on: Any) -> None:
        find(name).set_loop(parse_flag(on))

    @command("responder.mutate", "regenerate the looped answer from the last call")
    def mutate(name: str) -> None:
        find(name).mutate()

    @command("responder.panic", "all notes off on this responder now; wait for the next call")
    def panic(name: str) -> None:
        find(name).panic()

    @command("responder.bars", "call and answer length in bars (1..16) from the next call on")
    def bars(name: str, call: Any, answer: Any) -> None:
        find(name).set_bars(int(call), int(answer))

    @command("responder.model", "switch model by index or name among the responder's models")
    def model(name: str, index_or_name: Any) -> None:
        find(name).select_model(index_or_name)
