"""A show wired from a set file: clock, ports, OSC and every section's components on one engine."""

from __future__ import annotations

from collections.abc import Callable

from bridge.clock.ephemera import Transport
from bridge.clock.follower import MidiClockFollower
from bridge.clock.internal import InternalClock
from bridge.clock.link import LinkClock, open_link_session
from bridge.clock.source import ClockSource
from bridge.commands import Commands
from bridge.component import Component
from bridge.drum.transport import DrumLink
from bridge.drum.wiring import wire_drum
from bridge.engine import Engine
from bridge.midi.factory import InputPort, OutputPort, PortFactory, PortName, as_spec
from bridge.midi.watch import PortWatch
from bridge.osc.output import OscOutput
from bridge.responders.loader import ModelLoader, load_generator
from bridge.responders.wiring import build_responders
from bridge.responders.worker import ThreadWorker, Worker
from bridge.services import WorkerFactory
from bridge.setfile.models import ClockConfig, ShowConfig
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource


class PortSet(Component):
    """Every MIDI port the show opened: telemetry per port, panic on every output, closed last."""

    name = "ports"

    def __init__(self, factory: PortFactory, post_midi: Callable[[str, list[int], float], None],
                 telemetry: Telemetry) -> None:
        self.factory = factory
        self.post_midi = post_midi
        self.telemetry = telemetry
        self.inputs: list[InputPort] = []
        self.outputs: list[OutputPort] = []

    def open_input(self, name: PortName) -> InputPort:
        """An input (virtual, or an existing port when `name` is a PortSpec) whose messages reach the engine."""
        port = self.factory.open_input(as_spec(name), self.post_midi)
        self.inputs.append(port)
        return port

    def open_output(self, name: PortName) -> OutputPort:
        """An output (virtual, or an existing port), silenced by panic and closed at shutdown."""
        port = self.factory.open_output(as_spec(name))
        self.outputs.append(port)
        return port

    def panic(self) -> None:
        for port in self.outputs:
            port.panic()

    def close(self) -> None:
        for port in self.outputs:
            port.close()
        for port in self.inputs:
            port.close()

    def publish(self, now: float) -> None:
        self.telemetry.replace("ports", {
            "inputs": [{"name": p.name, "messages": p.stats.messages, "errors": p.stats.errors, "present": p.is_open,
                        "idle_s": None if p.stats.last_time is None else round(now - p.stats.last_time, 3)}
                       for p in self.inputs],
            "outputs": [{"name": p.name, "messages": p.stats.messages, "errors": p.stats.errors,
                         "present": p.is_open} for p in self.outputs],
        })


class InternalTransport(Component):
    """Starts the internal master clock with the show (when the set file asks) and takes start/stop commands."""

    name = "transport"

    def __init__(self, clock: InternalClock, autostart: bool, time_source: TimeSource) -> None:
        self.clock = clock
        self.autostart = autostart
        self.time = time_source

    def start(self, now: float) -> None:
        self.clock.poll(now)  # put the tick grid in place before the first beat
        if self.autostart:
            self.clock.start(now)

    def close(self) -> None:
        """Send Stop on the way out, so anything following our clock stops too."""
        self.clock.stop(self.time(), last=True)


class Show:
    """Everything one set file describes, ready to be stepped by a runner: the one place the parts are built.

    Each part gets only the services it needs (ports, clock, telemetry, commands, the OSC sinks, a model
    loader, a worker per responder). Tests and replay hand in their own `models`, `workers`, `drum_link`.
    """

    def __init__(self, config: ShowConfig, ports: PortFactory, time_source: TimeSource,
                 telemetry: Telemetry | None = None, *, models: ModelLoader = load_generator,
                 workers: WorkerFactory | None = None, drum_link: DrumLink | None = None) -> None:
        self.config = config
        self.time = time_source
        self.ports = ports
        self.telemetry = telemetry or Telemetry()
        clock = self._build_clock(config.clock)
        self.engine = Engine(clock, self.telemetry)
        self.port_set = PortSet(ports, self.engine.post_midi, self.telemetry)
        self.engine.add(self.port_set)
        self.engine.add(PortWatch(self.port_set.inputs, self.port_set.outputs, self.telemetry,
                                  post=self.engine.post_command))
        if isinstance(clock, MidiClockFollower):
            self.engine.clock_port = self.open_input(config.clock.input_spec).name
        elif isinstance(clock, InternalClock):
            out = self.open_output(config.clock.output_spec)
            clock.attach(out)
            self.engine.add(InternalTransport(clock, config.clock.autostart, time_source))
        self.osc = OscOutput(config.osc, self.engine.scheduler, self.telemetry, route=self.engine.route,
                             input_ports=lambda: [p.name for p in self.port_set.inputs
                                                  if p.name != self.engine.clock_port], time_source=time_source)
        self.engine.add(self.osc)
        self.commands = Commands(self.engine.post_command, self.telemetry.event)
        self.osc.register_commands(self.commands)
        self.commands.register("panic", self.engine.panic, "all notes off on every output, all motors off")
        self.commands.register("transport", self._transport,
                               "start / stop / continue the internal clock")
        self.commands.register("tempo", self._tempo, "set the internal clock's tempo in BPM (20..400)")
        self.responders = build_responders(
            config.responders, engine=self.engine, ports=self.port_set, telemetry=self.telemetry,
            time_source=time_source, commands=self.commands, osc=self.osc, models=models,
            workers=workers or self._thread_worker)
        self.osc.hear_answers(self.responders)
        self.drum = None if config.drum is None else wire_drum(
            config.drum, engine=self.engine, ports=self.port_set, telemetry=self.telemetry, time_source=time_source,
            commands=self.commands, osc=self.osc, responders=self.responders, link=drum_link)
        self.telemetry.publish("show", name=config.name, description=config.description)

    def _thread_worker(self, name: str) -> Worker:
        """A responder's model on its own thread; a finished piece wakes the engine."""
        return ThreadWorker(name, self.time, lambda: self.engine.post_command(lambda: None))

    @property
    def clock(self) -> ClockSource:
        return self.engine.clock

    def _build_clock(self, config: ClockConfig) -> ClockSource:
        if config.source == "midi":
            return MidiClockFollower(bpm_hint=config.bpm, beats_per_bar=config.beats_per_bar)
        if config.source == "internal":
            return InternalClock(config.bpm, config.beats_per_bar)
        return LinkClock(open_link_session(config.bpm, config.quantum), config.beats_per_bar)

    def open_input(self, name: PortName) -> InputPort:
        """An input (virtual, or an existing port when `name` is a PortSpec) whose messages reach the engine."""
        return self.port_set.open_input(name)

    def open_output(self, name: PortName) -> OutputPort:
        """An output (virtual, or an existing port), silenced by panic and closed at shutdown."""
        return self.port_set.open_output(name)

    # -- commands (run on the engine thread via self.commands) -------------------------------
    def _transport(self, action: str) -> None:
        """start / stop / continue the internal clock; other sources are steered from their master."""
        clock = self.engine.clock
        if action not in ("start", "stop", "continue"):
            self.telemetry.event("warning", "transport", f"unknown transport action {action!r}")
            return
        if not isinstance(clock, InternalClock):
            self.telemetry.event("warning", "transport", f"{action}: the clock follows {clock.name}; "
                                 "start and stop it there")
            return
        now = self.time()
        if action == "start":
            clock.start(now)
        elif action == "stop":
            clock.stop(now)
        elif clock.transport is Transport.STOPPED:
            clock.continue_(now)

    def _tempo(self, bpm: float) -> None:
        """Set the internal clock's tempo at once, keeping the phase; other sources follow their master."""
        clock = self.engine.clock
        if not isinstance(clock, InternalClock):
            self.telemetry.event("warning", "tempo", f"the clock follows {clock.name}; change the tempo there")
            return
        value = float(bpm)
        if not 20.0 <= value <= 400.0:
            raise ValueError(f"tempo must be 20..400 BPM, got {value:g}")
        clock.set_bpm(value, self.time())
