"""Put the drum into a show: serial transport, component, input (virtual port or responder), commands, OSC hook."""

from __future__ import annotations

from typing import Any

from bridge.drum.config import DrumConfig
from bridge.drum.drum import Drum, DrumHit
from bridge.drum.transport import SerialTransport, Transport


def wire_drum(show: Any, config: DrumConfig, transport: Transport | None = None) -> Drum:
    """Build the drum for `show` (a bridge.show.Show) from its `[drum]` section and connect it."""
    engine = show.engine
    if transport is None:
        transport = SerialTransport(config.serial, config.baud, config.usb_ids, config.serial_number)
    drum = Drum(config, engine.scheduler, transport, show.telemetry, show.time)
    if isinstance(transport, SerialTransport):
        # the reader thread wakes the engine so replies (boot notice!) are handled at once
        transport.notify = lambda: engine.post_command(drum.service)
    engine.add(drum)
    responder_names = {getattr(r, "name", None) for r in getattr(show.config, "responders", None) or ()}
    if config.connect is None and config.input in responder_names:
        # responders may be built after the drum: connect when the show starts, when all exist
        drum.on_start.append(lambda: connect_responder(_responder_named(show, config.input), drum))
    else:
        show.open_input(config.input_spec)
        engine.route(config.input_spec.name, drum.on_midi)
    drum.register_commands(show.commands)
    osc = getattr(show, "osc", None)
    osc_hit = getattr(osc, "drum_hit", None)
    if callable(osc_hit):  # OSC /drumbridge/drum/<voice> f velocity, at the hit's beat
        drum.hit_listeners.append(lambda hit: osc_hit(hit.voice, hit.velocity / 127.0, hit.beat))
        declare = getattr(osc, "declare", None)
        if callable(declare):  # OSCQuery lists the voices before their first hit
            declare(voices=sorted({drum.motors[m].voice for m in drum.note_map.notes.values()}))
    return drum


def _responder_named(show: Any, name: str) -> Any:
    responders = getattr(show, "responders", None) or {}
    if isinstance(responders, dict):
        return responders.get(name)
    return next((r for r in responders if getattr(r, "name", None) == name), None)


def connect_responder(responder: Any, drum: Drum) -> None:
    """Send a responder's answer notes to `drum.play(note, velocity, beat)` (called ahead of the beat)."""
    if responder is None:
        raise TypeError(f"[drum] input names responder {drum.config.input!r}, but the show built no such responder")
    add = getattr(responder, "add_note_listener", None)
    if callable(add):
        add(drum.play)
    elif isinstance(getattr(responder, "note_listeners", None), list):
        responder.note_listeners.append(drum.play)
    else:
        raise TypeError(f"responder {getattr(responder, 'name', responder)!r} offers no note listener hook "
                        "(add_note_listener(fn) or note_listeners list) for [drum] input")


__all__ = ["DrumHit", "connect_responder", "wire_drum"]
