"""Put the drum into a show: serial link, component, input (virtual port or responder), commands, OSC hook."""

from __future__ import annotations

from collections.abc import Sequence

from bridge.commands import Commands
from bridge.drum.config import DrumConfig
from bridge.drum.drum import Drum, DrumHit
from bridge.drum.transport import DrumLink, SerialTransport
from bridge.engine import Engine
from bridge.services import HitSink, NoteSource, PortOpener
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource


def wire_drum(config: DrumConfig, *, engine: Engine, ports: PortOpener, telemetry: Telemetry,
              time_source: TimeSource, commands: Commands, osc: HitSink, responders: Sequence[NoteSource],
              link: DrumLink | None = None) -> Drum:
    """Build the drum from the set file's `[drum]` section and connect it (a serial link unless `link` is given)."""
    if link is None:
        link = SerialTransport(config.serial, config.baud, config.usb_ids, config.serial_number)
    drum = Drum(config, engine.scheduler, link, telemetry, time_source)
    if isinstance(link, SerialTransport):
        # the reader thread wakes the engine so replies (boot notice!) are handled at once
        link.notify = lambda: engine.post_command(drum.service)
    engine.add(drum)
    by_name = {r.name: r for r in responders}
    if config.connect is None and config.input in by_name:
        connect_responder(by_name[config.input], drum)
    else:
        ports.open_input(config.input_spec)
        engine.route(config.input_spec.name, drum.on_midi)
    drum.register_commands(commands)
    # OSC /drumbridge/drum/<voice> f velocity, at the hit's beat; OSCQuery lists the voices before their first hit
    drum.hit_listeners.append(lambda hit: osc.drum_hit(hit.voice, hit.velocity / 127.0, hit.beat))
    osc.declare(voices=sorted({drum.motors[m].voice for m in drum.note_map.notes.values()}))
    return drum


def connect_responder(responder: NoteSource, drum: Drum) -> None:
    """Send a responder's answer notes to `drum.play(note, velocity, beat)` (heard ahead of their beat)."""
    responder.add_note_listener(drum.play)


__all__ = ["DrumHit", "connect_responder", "wire_drum"]
