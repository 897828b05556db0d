"""Names in a valid set file that are probably typos: a drum input one letter off a responder's name silently
opens a new port, a cue on a responder that does not exist never fires."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.setfile.locate import Path, key_lines, line_of
from bridge.setfile.models import ShowConfig
from bridge.setfile.suggest import did_you_mean, near_misses


@dataclass(frozen=True)
class NameWarning:
    """One suspicious name: where it is (key and line) and what is wrong."""

    key: str
    line: int | None
    message: str

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: warning: {self.key}: {self.message}"


def _names(config: ShowConfig) -> tuple[list[str], list[str], list[str]]:
    """Responder names, every port name the show opens, and the drum's voice names."""
    responders = [r.name for r in config.responders]
    ports = [config.clock.port, config.clock.output]
    for r in config.responders:
        ports += [r.input_port, r.output_port]
    voices: list[str] = []
    if config.drum is not None:
        if config.drum.input not in responders:
            ports.append(config.drum.input)
        voices = [config.drum.voice(m) for m in range(config.drum.motor_count)]
    return responders, ports, voices


def lint_set(config: ShowConfig, text: str) -> list[NameWarning]:
    """Every name that is one edit away from a responder, port or voice name, or that names nothing."""
    lines = key_lines(text)
    responders, ports, voices = _names(config)
    known = [*responders, *ports, *voices]
    found: list[NameWarning] = []

    def warn(loc: Path, key: str, message: str) -> None:
        found.append(NameWarning(key, line_of(lines, loc), message))

    drum = config.drum
    if drum is not None and drum.input not in responders:
        others = [n for n in known if n != drum.input]
        if near_misses(drum.input, others):
            warn(("drum", "input"), "drum.input", f"{drum.input!r} opens a new port named {drum.input!r}"
                 f"{did_you_mean(drum.input, others)}")
    for index, cue in enumerate(config.osc.cues):
        base: Path = ("osc", "cues", index)
        if cue.note is not None and cue.note.source != "*" and cue.note.source not in [*responders, *ports]:
            warn((*base, "note", "source"), f"osc.cues.{cue.name}.note.source",
                 f"no responder or input port is called {cue.note.source!r}, so this cue never fires"
                 f"{did_you_mean(cue.note.source, [*responders, *ports])}")
        if cue.state is not None and cue.state.responder != "*" and cue.state.responder not in responders:
            warn((*base, "state", "responder"), f"osc.cues.{cue.name}.state.responder",
                 f"no responder is called {cue.state.responder!r}, so this cue never fires"
                 f"{did_you_mean(cue.state.responder, responders)}")
    return found
