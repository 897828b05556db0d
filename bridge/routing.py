"""The Ableton Live routing a set file implies: what to pick in Live's preferences and on each track."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.midi.spec import PortSpec
from bridge.setfile.models import ShowConfig


@dataclass(frozen=True)
class Route:
    """One line of the routing table."""

    where: str  # "Preferences > Link, Tempo & MIDI" or a track
    setting: str
    port: str
    channel: str
    note: str


def routing_table(config: ShowConfig) -> list[Route]:
    """Every setting a musician makes in Live for this set, clock first."""
    routes: list[Route] = []
    clock = config.clock
    prefs = "Live: Preferences > Link, Tempo & MIDI"
    if clock.source == "midi":
        routes.append(Route(prefs, "Output port: Sync ON", port_label(clock.input_spec), "-",
                            "Live is the tempo master and sends MIDI clock + Start/Stop/SPP"
                            + _how(clock.input_spec, "reads clock from")))
    elif clock.source == "internal":
        routes.append(Route(prefs, "Input port: Sync ON", port_label(clock.output_spec), "-",
                            f"drumbridge is the master at {clock.bpm:g} BPM; set Live's sync to External"
                            + _how(clock.output_spec, "sends clock to")))
    else:
        routes.append(Route(prefs, "Link: Show Link toggle ON", "(Ableton Link)", "-",
                            "tempo and beat shared over the network; enable Start Stop Sync"))
    for r in config.responders:
        routes.append(Route(f"Live: MIDI track '{r.name} call'", "MIDI To", port_label(r.input_spec), "any",
                            f"the player's track; arm it, Monitor In; CC {r.controls.temperature} temperature, "
                            f"CC {r.controls.mute} mute, CC 123 panic (see live_sets/ROUTING.md)"
                            + _how(r.input_spec, "reads calls from")))
        routes.append(Route(f"Live: MIDI track '{r.name} answer'", "MIDI From + Monitor In", port_label(r.output_spec),
                            str(r.channel), f"{r.model.rsplit('/', 1)[-1]}: {r.answer_bars}-bar answer after each "
                            f"{r.call_bars}-bar call; put an instrument on this track"
                            + _how(r.output_spec, "sends answers to")))
    if config.drum is not None:
        routes.extend(_drum_routes(config))
    return routes


def _drum_routes(config: ShowConfig) -> list[Route]:
    """The drum's input: a Live track sending to its virtual port, or a responder's answers."""
    drum = config.drum
    assert drum is not None
    mapped = ", ".join(f"{note}→{drum.voice(motor)}" for note, motor in sorted(drum.note_map().notes.items()))
    responders = {getattr(r, "name", None) for r in getattr(config, "responders", None) or ()}
    if drum.connect is None and drum.input in responders:
        return [Route("(inside drumbridge)", "drum plays responder answers", drum.input, "-",
                      f"no Live routing; notes {mapped}; latency compensated ahead of the beat")]
    mapped_motors = set(drum.note_map().notes.values())
    latencies = [m.latency_ms for m in drum.motors if m.latency_ms is not None and m.motor in mapped_motors]
    delay = f"-{max(latencies)} ms" if latencies else "minus the motor latency (board default 15 ms)"
    channel = "any (sent on 10)" if drum.channel is None else str(drum.channel)
    return [Route("Live: drum track", "MIDI To", port_label(drum.input_spec), channel,
                  f"notes {mapped}; Track Delay {delay} so strikes land on the beat"
                  + _how(drum.input_spec, "reads drum notes from"))]


def port_label(spec: PortSpec) -> str:
    """The port column: a virtual port's name, or the existing port's name marked as such."""
    return f"{spec.name} (existing)" if spec.existing else spec.name


def _how(spec: PortSpec, verb: str) -> str:
    """For an existing port, what drumbridge does with it (virtual ports are the default, said once in the docs)."""
    return f"; drumbridge {verb} the existing port matching {spec.name!r}" if spec.existing else ""


def existing_ports(config: ShowConfig) -> list[tuple[str, PortSpec]]:
    """Every existing port the set file names, with its direction: "source" (we read) or "destination"."""
    found: list[tuple[str, PortSpec]] = []
    clock = config.clock
    if clock.source == "midi" and clock.input_spec.existing:
        found.append(("source", clock.input_spec))
    if clock.source == "internal" and clock.output_spec.existing:
        found.append(("destination", clock.output_spec))
    for r in config.responders:
        found += [("source", r.input_spec)] if r.input_spec.existing else []
        found += [("destination", r.output_spec)] if r.output_spec.existing else []
    if config.drum is not None and config.drum.input_spec.existing:
        found.append(("source", config.drum.input_spec))
    return found


def format_routing(config: ShowConfig, width: int = 100) -> str:
    """The routing as a list per place in Live (clock first), every line at most `width` columns."""
    import textwrap

    lines: list[str] = []
    for route in routing_table(config):
        channel = "" if route.channel == "-" else f", channel {route.channel}"
        lines.append(route.where)
        lines += textwrap.wrap(f"{route.setting} — port '{route.port}'{channel}", width, initial_indent="  ",
                               subsequent_indent="    ", break_on_hyphens=False)
        lines += textwrap.wrap(route.note, width, initial_indent="  ", subsequent_indent="  ",
                               break_on_hyphens=False)
        lines.append("")
    return "\n".join(lines).rstrip("\n")
