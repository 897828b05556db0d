"""The base of every set-file table, in a module of its own so each section's config can import it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A set-file table: immutable, unknown keys are errors (a typo never silently does nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
