"""A responder's knobs: what a musician changes during the show (CC on the input port, or commands).

The cycle reads them when a call or answer begins, so a change applies from the next one and never
cuts a phrase in half.
"""

from __future__ import annotations

from bridge.responders.config import ResponderConfig
from bridge.responders.generator import Generator

TEMPERATURE_RANGE = (0.05, 4.0)


class ResponderSettings:
    """Temperature, call/answer bars, the model in use and the mode (loop on or off) of one responder."""

    def __init__(self, config: ResponderConfig, generators: list[Generator]) -> None:
        if not generators:
            raise ValueError(f"responder {config.name!r} needs at least one model")
        self.name = config.name
        self.generators = generators
        self.model_index = 0
        self.temperature = config.temperature
        self.call_bars = config.call_bars
        self.answer_bars = config.answer_bars
        self.mode = config.mode
        self.looping = config.mode == "loop"

    @property
    def generator(self) -> Generator:
        return self.generators[self.model_index]

    @property
    def base_mode(self) -> str:
        """What the responder does when not looping."""
        return "continuous" if self.mode == "continuous" else "call-response"

    def set_temperature(self, value: float) -> None:
        low, high = TEMPERATURE_RANGE
        self.temperature = round(min(high, max(low, float(value))), 4)

    def set_bars(self, call: int, answer: int) -> None:
        """Lengths for the next call and answer (the current ones finish as they are)."""
        for label, bars in (("call", call), ("answer", answer)):
            if not 1 <= int(bars) <= 16:
                raise ValueError(f"{label} bars must be 1..16, got {bars}")
        self.call_bars, self.answer_bars = int(call), int(answer)

    def select_model(self, index_or_name: int | str) -> None:
        """Switch to another model from this responder's list (by index, by name or by the spec in the set)."""
        if isinstance(index_or_name, str) and not index_or_name.lstrip("-").isdigit():
            names = [g.name for g in self.generators]
            specs = [getattr(g, "spec", g.name) for g in self.generators]
            if index_or_name not in names and index_or_name not in specs:
                raise ValueError(f"responder {self.name!r} has no model {index_or_name!r}; models: {names}")
            self.model_index = names.index(index_or_name) if index_or_name in names else specs.index(index_or_name)
            return
        index = int(index_or_name)
        if not 0 <= index < len(self.generators):
            raise ValueError(f"responder {self.name!r} has models 0..{len(self.generators) - 1}, not {index}")
        self.model_index = index
