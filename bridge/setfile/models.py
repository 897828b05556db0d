"""The schema of a set file. Every section is a frozen pydantic model that refuses unknown keys."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bridge.config_base import Section
from bridge.drum.config import DrumConfig
from bridge.midi.spec import PortSpec, existing
from bridge.osc.config import OscConfig, OscTargetConfig  # noqa: F401 - OscTargetConfig re-exported
from bridge.remote.config import DashboardConfig
from bridge.responders.config import Responders


class ClockConfig(Section):
    """Where the tempo comes from."""

    source: Literal["midi", "internal", "link"] = Field(
        "internal", description="midi: follow Live's MIDI clock; internal: drumbridge is master; link: Ableton Link")
    port: str = Field("drumbridge clock", min_length=1,
                      description="virtual MIDI input drumbridge creates for Live's clock (source = midi)")
    output: str = Field("drumbridge clock out", min_length=1,
                        description="virtual MIDI output that carries drumbridge's clock (source = internal)")
    bpm: float = Field(120.0, ge=20.0, le=400.0, description="start tempo (internal, link); a hint for midi")
    beats_per_bar: int = Field(4, ge=1, le=16, description="quarter notes per bar")
    autostart: bool = Field(True, description="internal: start the transport when the show starts")
    quantum: float = Field(4.0, ge=1, le=64, description="link: beats per phase cycle")
    connect: str | None = Field(None, min_length=1,
                                description="an existing MIDI port (exact name or a unique part) to follow "
                                            "clock from (midi) or send clock to (internal), instead of a virtual port")

    @property
    def input_spec(self) -> PortSpec:
        """Where the midi source reads clock."""
        return existing(self.connect, self.port)

    @property
    def output_spec(self) -> PortSpec:
        """Where the internal source sends clock."""
        return existing(self.connect, self.output)


class ShowConfig(Section):
    """A whole show: clock, OSC, and the sections later parts of drumbridge add."""

    name: str = Field("", description="shown in the dashboard and logs")
    description: str = ""
    clock: ClockConfig = Field(default_factory=ClockConfig)
    osc: OscConfig = Field(default_factory=OscConfig)
    drum: DrumConfig | None = Field(None, description="the robot drum on USB serial; omitted = no drum")
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    responders: Responders = Field(default_factory=list)

    @model_validator(mode="after")
    def _ports_distinct(self) -> ShowConfig:
        if self.clock.port == self.clock.output:
            raise ValueError("clock.port and clock.output must be different port names")
        return self
