"""Responders from a set file onto a show: ports, models, workers, demo callers, commands, listeners."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.commands import Commands
from bridge.flags import parse_flag
from bridge.responders.caller import DemoCaller
from bridge.responders.config import ResponderConfig
from bridge.responders.generator import load_generator
from bridge.responders.responder import TEMPERATURE_RANGE, Responder
from bridge.responders.worker import ThreadWorker

if TYPE_CHECKING:
    from bridge.show import Show


def build_responders(show: Show, configs: list[ResponderConfig]) -> list[Responder]:
    """Load every model first (a bad one stops the show before any port opens), then wire each responder."""
    models = {config.name: [load_generator(spec) for spec in config.all_models] for config in configs}
    responders = []

    def wake() -> None:
        show.engine.post_command(lambda: None)

    for config in configs:
        output = show.open_output(config.output_spec)
        show.open_input(config.input_spec)
        worker = ThreadWorker(config.name, show.time, wake)
        responder = Responder(config, models[config.name], show.engine.scheduler, output.send,
                              show.telemetry, worker, show.time)
        show.engine.add(responder)
        show.engine.route(config.input_port, responder.on_midi)
        if config.demo_call is not None:
            show.engine.add(DemoCaller(config.demo_call, config.input_port, show.engine.scheduler,
                                       show.engine.post_midi))
        _connect_osc(show, responder)
        responders.append(responder)
    register_commands(show.commands, responders)
    return responders


def _connect_osc(show: Show, responder: Responder) -> None:
    """State changes to OSC, through the OSC part's API when it has one.

    Without that API (an older OSC part), `/drumbridge/responder/<name>/state` goes straight to every target.
    """
    osc = getattr(show, "osc", None)
    if osc is None:
        return
    declare = getattr(osc, "declare", None)
    if callable(declare):  # OSCQuery lists the responder before its first state change
        declare(responders=[responder.name])
    # answer notes: OscOutput subscribes itself when a target or a cue wants them (subscribing here too
    # sent every note and fired every note cue twice)
    state_api = getattr(osc, "responder_state", None)
    if callable(state_api):
        responder.add_state_listener(lambda name, state: state_api(name, state))
        return
    targets = getattr(osc, "targets", [])

    def send_state(name: str, state: str) -> None:
        for target in targets:
            target.send(f"/responder/{name}/state", state)

    responder.add_state_listener(send_state)


def register_commands(commands: Commands, responders: list[Responder]) -> None:
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
            commands.engine.telemetry.event(
                "warning", f"responder {responder.name}",
                f"temperature {value:g} is outside {low:g}..{high:g}; set to {responder.temperature:g}")

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
