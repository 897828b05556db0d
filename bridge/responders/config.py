"""The `[[responders]]` set-file section: one table per responder (model, ports, bars, temperature, seed, fallback)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from bridge.config_base import Section
from bridge.midi.spec import PortSpec, existing

Fallback = Literal["repeat-call", "repeat-last", "silence"]
Mode = Literal["call-response", "loop", "continuous"]


class ControlMap(Section):
    """Which CC number on the responder's input port steers what (0 disables a control)."""

    temperature: int = Field(20, ge=0, le=119, description="0..127 -> temperature 0.1..2.0")
    call_bars: int = Field(21, ge=0, le=119, description="value = bars (1..16)")
    answer_bars: int = Field(22, ge=0, le=119, description="value = bars (1..16)")
    loop: int = Field(23, ge=0, le=119, description=">= 64 loops the last answer, < 64 back to the set mode")
    mutate: int = Field(24, ge=0, le=119, description=">= 64 regenerates the answer (or the loop)")
    mute: int = Field(25, ge=0, le=119, description=">= 64 mutes, < 64 unmutes")
    model: int = Field(26, ge=0, le=119, description="value = index into the responder's model list")
    panic: int = Field(27, ge=0, le=119, description=">= 64: all notes off now (CC 120 and 123 work too)")
    humanize: int = Field(28, ge=0, le=119, description="0..127 -> humanize 0..1 (groove amount)")

    @model_validator(mode="after")
    def _distinct(self) -> ControlMap:
        used = [n for n in self.model_dump().values() if n]
        repeated = sorted({n for n in used if used.count(n) > 1})
        if repeated:
            raise ValueError(f"each control needs its own CC number; repeated: {repeated}")
        return self


class DemoCallConfig(Section):
    """A built-in phrase played into the responder's input, so a demo shows call and answer with no DAW."""

    phrase: Literal["rock", "funk", "melody"] = Field("rock", description="which built-in phrase")
    every_bars: int = Field(4, ge=1, le=64, description="start the phrase on every N-th bar")
    velocity: int = Field(100, ge=1, le=127)


class ResponderConfig(Section):
    """One responder: a model on a pair of virtual ports, answering calls on Live's clock."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$",
                      description='ports are "drumbridge <name> in" / "drumbridge <name> out"')
    model: str = Field(min_length=1, description='a .mag bundle path (relative to the set file) or "builtin:drums"')
    models: list[str] = Field(default_factory=list,
                              description="more models to switch to by CC/OSC; `model` is index 0")
    call_bars: int = Field(2, ge=1, le=16)
    answer_bars: int = Field(2, ge=1, le=16)
    temperature: float = Field(1.0, ge=0.05, le=4.0, description="sampling temperature; below 0.05 the model "
                               "always picks its likeliest step (the range OSC/CC control also clamps to)")
    groove: str = Field("builtin:groove", min_length=1,
                        description='velocity and timing of drum answers: "builtin:groove", a .npz file, '
                        'or "none" (the plain grid)')
    humanize: float = Field(1.0, ge=0.0, le=1.0, description="how much groove: 0 = the grid, 1 = the full groove")
    seed: int = Field(1, ge=0, le=2**32 - 1)
    channel: int = Field(10, ge=1, le=16, description="MIDI channel (1-16) of the answer; 10 is drums")
    fallback: Fallback = Field("repeat-call", description="what plays when the answer is not ready in time")
    mode: Mode = Field("call-response")
    muted: bool = False
    velocity: int = Field(0, ge=0, le=127, description="answer velocity; 0 uses the call's median velocity")
    gate: float = Field(0.9, ge=0.01, le=1.0, description="note length as a fraction of its grid length")
    lead_ms: float = Field(250.0, ge=0.0, le=900.0,
                           description="note listeners (drum link, OSC) hear each note this early, with its beat")
    controls: ControlMap = Field(default_factory=ControlMap)
    demo_call: DemoCallConfig | None = Field(None, description="play a built-in call into this responder")
    existing_input: str | None = Field(None, alias="input_port", min_length=1,
                                       description="read calls from this existing MIDI port (exact name or a "
                                                   "unique part) instead of creating \"drumbridge <name> in\"")
    existing_output: str | None = Field(None, alias="output_port", min_length=1,
                                        description="send answers to this existing MIDI port instead of creating "
                                                    "\"drumbridge <name> out\"")

    @property
    def input_port(self) -> str:
        """The input's name in the show: the virtual port's, or the existing port as the set file names it."""
        return self.input_spec.name

    @property
    def output_port(self) -> str:
        """The output's name in the show: the virtual port's, or the existing port as the set file names it."""
        return self.output_spec.name

    @property
    def input_spec(self) -> PortSpec:
        return existing(self.existing_input, f"drumbridge {self.name} in")

    @property
    def output_spec(self) -> PortSpec:
        return existing(self.existing_output, f"drumbridge {self.name} out")

    @property
    def all_models(self) -> list[str]:
        """The model list as `model` select sees it: `model` first."""
        return [self.model, *[m for m in self.models if m != self.model]]


def validate_responders(responders: list[ResponderConfig]) -> list[ResponderConfig]:
    """Responder names must be unique: they name ports, telemetry topics and commands."""
    names = [r.name for r in responders]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"responder names must be unique; repeated: {', '.join(repeated)}")
    return responders


Responders = Annotated[list[ResponderConfig], AfterValidator(validate_responders)]
