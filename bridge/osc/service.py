"""The OSC control service: control in (OscControl) and, when the set file asks, the OSCQuery server and its
mDNS advertisement. Started and stopped with the OSC part; its counters go into telemetry topic "osc".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.commands import Commands
from bridge.osc.advertise import Advertiser
from bridge.osc.config import CueConfig, OscConfig
from bridge.osc.control import OscControl
from bridge.osc.namespace import control_addresses, output_addresses
from bridge.osc.oscquery import OscQueryServer, build_tree
from bridge.osc.oscquery_values import current_values, model_choices
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource


@dataclass(frozen=True)
class Namespace:
    """The names the OSC part knows now (OSCQuery lists them): responders, drum voices, cues."""

    responders: list[str]
    voices: list[str]
    cues: list[CueConfig]


class ControlService:
    """Control in and OSCQuery for one show (nothing when the set file has no [osc.listen])."""

    def __init__(self, config: OscConfig, telemetry: Telemetry, time_source: TimeSource, service_name: str,
                 namespace: Callable[[], Namespace]) -> None:
        self.config = config
        self.telemetry = telemetry
        self.time = time_source
        self.service_name = service_name
        self.namespace = namespace
        self.control: OscControl | None = None
        self.oscquery: OscQueryServer | None = None
        self.advertiser: Advertiser | None = None

    def start(self, commands: Commands) -> None:
        """Open control in, then OSCQuery (only once control in is listening)."""
        listen = self.config.listen
        if listen is None:
            return
        self.control = OscControl(commands, self.telemetry, listen.host, listen.port, listen.prefix,
                                  time_source=self.time, allow_calibration=listen.allow_calibration)
        if self.control.start() and listen.oscquery_port is not None:
            self._start_oscquery(commands, listen.host, listen.oscquery_port)

    def _start_oscquery(self, commands: Commands, host: str, port: int) -> None:
        listen = self.config.listen
        assert self.control is not None and listen is not None

        def tree() -> dict[str, Any]:
            names = self.namespace()
            cue_types = [(c.osc_address, "") for c in names.cues]
            specs = control_addresses(commands.specs(), names.responders, [c.name for c in names.cues])
            specs += output_addresses(names.voices, names.responders, cue_types)
            topics = ["clock"] + [f"responder.{name}" for name in names.responders]
            state = {topic: self.telemetry.get(topic) for topic in topics}
            base = listen.prefix.rstrip("/")
            values = {base + path: value for path, value in current_values(state).items()}
            choices = {base + path: options for path, options in model_choices(state).items()}
            return build_tree(listen.prefix, specs, values, choices)

        info = {"NAME": "drumbridge", "OSC_IP": host, "OSC_PORT": self.control.port, "OSC_TRANSPORT": "UDP"}
        server = OscQueryServer(host, port, tree, info)
        try:
            server.start()
        except OSError as error:
            self.telemetry.event("error", "oscquery", f"cannot serve on {host}:{port}: {error}; OSCQuery is off")
            return
        self.oscquery = server
        self.telemetry.event("info", "oscquery", f"namespace at http://{host}:{server.port}/")
        if listen.advertise:
            self.advertiser = Advertiser(self.service_name, host, server.port, self.control.port,
                                         lambda level, message: self.telemetry.event(level, "oscquery", message))
            self.advertiser.start()

    def state(self) -> dict[str, Any]:
        """The "control" and "oscquery" entries of telemetry topic "osc" (only for what is running)."""
        state: dict[str, Any] = {}
        if self.control is not None:
            s = self.control.stats
            state["control"] = {"host": self.control.host, "port": self.control.port, "received": s.received,
                                "commands": s.commands, "ignored": s.ignored, "malformed": s.malformed,
                                "unknown": s.unknown, "bad_args": s.bad_args, "last_error": s.last_error}
        if self.oscquery is not None:
            q = self.oscquery.stats
            state["oscquery"] = {"port": self.oscquery.port, "requests": q.requests, "websockets": q.websockets,
                                 "refused": q.refused, "frames_sent": q.frames_sent,
                                 "announced": self.advertiser is not None and self.advertiser.registered.is_set()}
        return state

    def close(self) -> None:
        """Stop the advertisement, OSCQuery and control in."""
        if self.advertiser is not None:
            self.advertiser.close()
        if self.oscquery is not None:
            self.oscquery.close()
        if self.control is not None:
            self.control.close()
