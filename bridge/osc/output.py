"""The OSC side of a show: targets, clock messages, drum/responder messages, user cues (control in: osc/service).

API for the other engine parts (call on the engine thread; `show.osc` is the OscOutput):

    osc.drum_hit(voice: str, velocity: float, beat: float | None)
        /drum/<voice> f velocity (0..1). Call when you schedule the hit, with the hit's beat: each
        target gets it at that beat minus its own latency (or now, if that moment has passed).
    osc.responder_state(name: str, state: str, beat: float | None = None)
        /responder/<name>/state s, and every state cue that matches. None = now.
    osc.responder_note(name: str, note: int, velocity: int, beat: float | None)
        /responder/<name>/note i note, f velocity/127, to targets with "notes" in `send`; also runs
        note cues whose source is the responder's name. velocity is MIDI 1..127. OscOutput calls it
        itself for every responder the show hands to `hear_answers`, when a target or a cue needs
        answer notes: responders need not.
    osc.on_note(source: str, note: int, velocity: int, beat: float | None)
        The note-event hook of the cue engine (source = a port or responder name). MIDI inputs that
        cues name (or every input, for source "*") are routed here by OscOutput itself; responders
        need not call it for their input, only responder_note for their answers.
    osc.declare(responders=[...], voices=[...])
        Optional: names to list in the OSCQuery namespace before they first send anything.

Every beat is quarter notes since song start (the scheduler's beats). When the transport is
stopped, messages go out at once. Nothing here blocks or raises into the caller: a target that is
down only counts errors (shown in telemetry topic "osc").
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

import mido

from bridge.clock.ephemera import Transport, TransportChange
from bridge.commands import Commands
from bridge.component import Component
from bridge.osc.advertise import Advertiser
from bridge.osc.clock_messages import ClockOscPublisher
from bridge.osc.config import OscConfig
from bridge.osc.control import OscControl
from bridge.osc.cue_engine import CueEngine
from bridge.osc.delivery import EVENT_TAG, OscDelivery
from bridge.osc.oscquery import OscQueryServer
from bridge.osc.service import ControlService, Namespace
from bridge.osc.target import OscTarget, Resolver
from bridge.scheduler import BeatScheduler
from bridge.services import NoteSource
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource, monotonic_time

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")

MidiRoute = Callable[[str, Callable[[mido.Message, float], None]], None]


def address_part(name: str) -> str:
    """`name` made safe as one OSC address segment (spaces and pattern characters → _)."""
    return _UNSAFE.sub("_", name.strip()) or "_"


def wall_clock_mapping() -> Callable[[float], float]:
    """Engine (monotonic) seconds → Unix seconds, fixed once, for bundle time tags."""
    offset = time.time() - time.monotonic()
    return lambda t: t + offset


class OscOutput(Component):
    """Owns the OSC targets and everything sent to them; takes OSC control in when the set file asks."""

    name = "osc"

    def __init__(self, config: OscConfig, scheduler: BeatScheduler, telemetry: Telemetry, *,
                 to_unix: Callable[[float], float] | None = None, resolver: Resolver = socket.getaddrinfo,
                 route: MidiRoute | None = None, input_ports: Callable[[], list[str]] | None = None,
                 time_source: TimeSource | None = None, service_name: str = "drumbridge") -> None:
        self.config = config
        self.scheduler = scheduler
        self.clock = scheduler.clock
        self.telemetry = telemetry
        to_unix = to_unix or wall_clock_mapping()
        self.targets = [OscTarget(t.name, t.host, t.port, t.prefix, latency=t.latency_ms / 1000.0, send=t.send,
                                  bundles=t.bundles, to_unix=to_unix, resolver=resolver, on_error=self._target_error)
                        for t in config.targets]
        self.clock_messages = ClockOscPublisher(self.clock, scheduler, self.targets)
        self.delivery = OscDelivery(self.targets, scheduler)
        self.cue_engine = CueEngine(config, scheduler, self.delivery, telemetry, time_source)
        self._route = route
        self._input_ports = input_ports or list
        # Replaced, never mutated: the OSCQuery thread reads them while the engine thread adds names.
        self.responders: frozenset[str] = frozenset()
        self.voices: frozenset[str] = frozenset()
        self.service = ControlService(config, telemetry, time_source or monotonic_time, service_name,
                                      self._namespace)
        self._commands: Commands | None = None
        for target in self.targets:
            target.start_resolving()  # off the engine thread for host names; starts before the show does

    @property
    def control(self) -> OscControl | None:
        return self.service.control

    @property
    def oscquery(self) -> OscQueryServer | None:
        return self.service.oscquery

    @property
    def advertiser(self) -> Advertiser | None:
        return self.service.advertiser

    def _namespace(self) -> Namespace:
        return Namespace(sorted(self.responders), sorted(self.voices), list(self.cue_engine.cues.values()))

    # -- wiring ------------------------------------------------------------------------------
    def register_commands(self, commands: Commands) -> None:
        """Add the osc.cue command and let OSC control in submit to this registry."""
        self._commands = commands
        commands.register("osc.cue", self.fire_cue, "send a cue from the set file now")

    def declare(self, responders: Iterable[str] = (), voices: Iterable[str] = ()) -> None:
        """Names to list in the OSCQuery namespace before they first send anything."""
        self.responders = self.responders | {address_part(r) for r in responders}
        self.voices = self.voices | {address_part(v) for v in voices}

    def hear_answers(self, responders: Iterable[NoteSource]) -> None:
        """Hear each responder's answer notes when a target or a cue wants them (the only subscription to them)."""
        wants_notes = any(t.wants("notes") for t in self.targets)
        sources = self.cue_engine.note_sources()
        for responder in responders:
            if wants_notes or "*" in sources or responder.name in sources:
                responder.add_note_listener(self._answer_listener(responder.name))

    def _answer_listener(self, name: str) -> Callable[[int, int, float], None]:
        def hear(note: int, velocity: int, beat: float) -> None:
            self.responder_note(name, note, velocity, beat)
        return hear

    # -- the API other parts call --------------------------------------------------------------
    def drum_hit(self, voice: str, velocity: float, beat: float | None) -> None:
        """/drum/<voice> f velocity (0..1) at `beat`."""
        voice = address_part(voice)
        if voice not in self.voices:
            self.voices = self.voices | {voice}
        self.emit("drum", f"/drum/{voice}", (min(1.0, max(0.0, float(velocity))),), beat)

    def responder_state(self, name: str, state: str, beat: float | None = None) -> None:
        """/responder/<name>/state s at `beat` (None: now), then the state cues it fires."""
        part = self._responder_part(name)
        self.emit("responder", f"/responder/{part}/state", (str(state),), beat)
        self.cue_engine.on_state(name, state, beat)

    def responder_note(self, name: str, note: int, velocity: int, beat: float | None) -> None:
        """/responder/<name>/note i f (targets with "notes"), then the note cues with this responder as source."""
        part = self._responder_part(name)
        if velocity > 0:
            self.emit("notes", f"/responder/{part}/note", (int(note), round(velocity / 127.0, 4)), beat)
        self.on_note(name, note, velocity, beat)

    def _responder_part(self, name: str) -> str:
        part = address_part(name)
        if part not in self.responders:
            self.responders = self.responders | {part}
        return part

    def on_note(self, source: str, note: int, velocity: int, beat: float | None) -> None:
        """A note from `source` (port or responder): fire every note cue it matches, at `beat`."""
        self.cue_engine.on_note(source, note, velocity, beat)

    def fire_cue(self, name: str) -> None:
        """Send cue `name` now (the osc.cue command; OSC control and the dashboard use it)."""
        self.cue_engine.fire(name)

    def emit(self, kind: str, address: str, args: tuple[Any, ...], beat: float | None,
             only: tuple[str, ...] | None = None) -> None:
        """Send `address` to every target that wants `kind` (or those named in `only`), at `beat` minus latency."""
        self.delivery.emit(kind, address, args, beat, only)

    # -- component hooks -----------------------------------------------------------------------
    def start(self, now: float) -> None:
        """Check bar cues, listen to the inputs note cues name, open control in and OSCQuery."""
        self.cue_engine.warn_about_bar_cues()
        self._route_note_inputs()
        if self._commands is not None:
            self.service.start(self._commands)

    def _route_note_inputs(self) -> None:
        if self._route is None:
            return
        sources = self.cue_engine.note_sources()
        if not sources:
            return
        ports = self._input_ports()
        for port in ports if "*" in sources else [p for p in ports if p in sources]:
            self._route(port, self._note_handler(port))

    def _note_handler(self, port: str) -> Callable[[mido.Message, float], None]:
        def handle(message: mido.Message, t: float) -> None:
            if message.type == "note_on" and message.velocity > 0:
                running = self.clock.transport is Transport.RUNNING
                self.on_note(port, message.note, message.velocity, self.clock.beat_at(t) if running else None)
        return handle

    def on_transport(self, change: TransportChange) -> None:
        """Clock messages, and bar cues rescheduled from the new position (or dropped on stop)."""
        self.clock_messages.on_transport(change)
        if change.kind == "stop":
            self.cue_engine.reschedule(None)
            self.scheduler.cancel(EVENT_TAG)  # hits and notes of a stopped song are stale
        else:
            self.cue_engine.reschedule(change.beat)

    def panic(self) -> None:
        """Drop pending hits, notes and states: what they mirror has just been silenced (bar cues stay)."""
        self.scheduler.cancel(EVENT_TAG)

    def _target_error(self, target: OscTarget, message: str) -> None:
        """First occurrence of each distinct error of a target (any thread): one log event, not one per message."""
        self.telemetry.event("warning", f"osc {target.name}", message + "; the show goes on, messages are counted")

    def publish(self, now: float) -> None:
        """Per-target counters, cues fired, control and OSCQuery state under telemetry topic "osc"."""
        late = self.clock_messages.lateness
        state: dict[str, Any] = {
            "targets": [{"name": t.name, "host": t.host, "port": t.port, "state": t.state,
                         "latency_ms": round(t.latency * 1000, 1), "sent": t.stats.sent, "errors": t.stats.errors,
                         "dropped_unresolved": t.stats.dropped_unresolved, "last_error": t.stats.last_error}
                        for t in self.targets],
            "cues_fired": self.cue_engine.fired,
            "cues": list(self.cue_engine.recent),
            "beat_late_ms_max": round(max(late) * 1000, 3) if late else 0.0,
            "stale_beats_skipped": self.clock_messages.skipped,
        }
        state.update(self.service.state())
        self.telemetry.replace("osc", state)

    def close(self) -> None:
        """Stop OSCQuery and control in, close every target."""
        self.service.close()
        for target in self.targets:
            target.close()
