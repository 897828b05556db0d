"""Errors raised by the model package: every message says what was found and what is supported."""

from __future__ import annotations


class ModelError(Exception):
    """Base class for model errors (bad bundle, bad input); safe to show to a user."""


class BundleError(ModelError):
    """A bundle file that cannot be read: not a GeneratorBundle, corrupt checkpoint, unsupported content."""


class UnsupportedModelError(BundleError):
    """A readable bundle whose generator, variables or shapes drumbridge does not support."""


class SequenceError(ModelError):
    """A MIDI file or event list that cannot be turned into model events."""
