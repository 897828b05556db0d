"""The Magenta generator configurations drumbridge runs, keyed by the bundle's generator id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridge.models.encodings import (
    DEFAULT_DRUM_TYPE_PITCHES,
    DEFAULT_LOOKBACKS,
    ONE_DRUM_PITCHES,
    DrumOneHot,
    Encoder,
    KeyMelodyEncoder,
    LookbackEncoder,
    MelodyOneHot,
    OneHotEncoder,
)

MELODY_MIN_NOTE = 48
MELODY_MAX_NOTE = 84


@dataclass(frozen=True)
class GeneratorConfig:
    """What a generator id implies: event kind, encoder, resolution, default attention, melody range."""

    generator_id: str
    model: str  # "drums_rnn" | "melody_rnn"
    description: str
    make_encoder: Callable[[], Encoder]
    steps_per_quarter: int = 4
    default_attn_length: int = 0
    min_note: int = MELODY_MIN_NOTE
    max_note: int = MELODY_MAX_NOTE
    transpose_to_key: int | None = 0

    @property
    def is_drums(self) -> bool:
        """True for drums_rnn generators (events are sets of drum pitches)."""
        return self.model == "drums_rnn"


CONFIGS: dict[str, GeneratorConfig] = {
    "drum_kit": GeneratorConfig(
        "drum_kit", "drums_rnn", "Drums RNN with multiple drums and binary counters.",
        lambda: LookbackEncoder(DrumOneHot(DEFAULT_DRUM_TYPE_PITCHES), (), 6), default_attn_length=32),
    "one_drum": GeneratorConfig(
        "one_drum", "drums_rnn", "Drums RNN with 2-state encoding.",
        lambda: OneHotEncoder(DrumOneHot(ONE_DRUM_PITCHES)), steps_per_quarter=2),
    "basic_rnn": GeneratorConfig(
        "basic_rnn", "melody_rnn", "Melody RNN with one-hot encoding.",
        lambda: OneHotEncoder(MelodyOneHot(MELODY_MIN_NOTE, MELODY_MAX_NOTE))),
    "lookback_rnn": GeneratorConfig(
        "lookback_rnn", "melody_rnn", "Melody RNN with lookback encoding.",
        lambda: LookbackEncoder(MelodyOneHot(MELODY_MIN_NOTE, MELODY_MAX_NOTE), DEFAULT_LOOKBACKS, 5)),
    "attention_rnn": GeneratorConfig(
        "attention_rnn", "melody_rnn", "Melody RNN with lookback encoding and attention.",
        lambda: KeyMelodyEncoder(MELODY_MIN_NOTE, MELODY_MAX_NOTE), default_attn_length=40),
}

SUPPORTED = ", ".join(f"{c.model}/{c.generator_id}" for c in CONFIGS.values())
