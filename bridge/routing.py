"""The Ableton Live routing a set file implies: what to pick in Live's preferences and on each track."""

from __future__ import annotations

from dataclasses import dataclass

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
        routes.append(Route(prefs, "Output port: Sync ON", clock.port, "-",
                            "Live is the tempo master and sends MIDI clock + Start/Stop/SPP"))
    elif clock.source == "internal":
        routes.append(Route(prefs, "Input port: Sync ON", clock.output, "-",
                            f"drumbridge is the master at {clock.bpm:g} BPM; set Live's sync to External"))
    else:
        routes.append(Route(prefs, "Link: Show Link toggle ON", "(Ableton Link)", "-",
                            "tempo and beat shared over the network; enable Start Stop Sync"))
    for r in config.responders:
        routes.append(Route(f"Live: MIDI track '{r.name} call'", "MIDI To", r.input_port, "any",
                            f"the player's track; arm it, Monitor In; CC {r.controls.temperature} temperature, "
                            f"CC {r.controls.mute} mute, CC 123 panic (see live_sets/ROUTING.md)"))
        routes.append(Route(f"Live: MIDI track '{r.name} answer'", "MIDI From + Monitor In", r.output_port,
                            str(r.channel), f"{r.model.rsplit('/', 1)[-1]}: {r.answer_bars}-bar answer after each "
                            f"{r.call_bars}-bar call; put an instrument on this track"))
    return routes


def format_routing(config: ShowConfig) -> str:
    """The routing table as aligned text."""
    rows = [("where", "setting", "port", "channel", "note")]
    rows += [(r.where, r.setting, r.port, r.channel, r.note) for r in routing_table(config)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 4)
    return "\n".join(lines)
