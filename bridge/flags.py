"""The one reading of on/off values people send (command arguments from the dashboard, CLI and OSC)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

TRUE_WORDS = ("1", "on", "true", "yes")
FALSE_WORDS = ("0", "off", "false", "no")


def parse_flag(value: Any, true_words: Collection[str] = (), false_words: Collection[str] = ()) -> bool:
    """A bool from a bool, a number or a word (on/off, true/false, yes/no, 1/0, any case, plus the given
    synonyms); any other word raises ValueError naming it."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_WORDS or text in true_words:
            return True
        if text in FALSE_WORDS or text in false_words:
            return False
        raise ValueError(f"expected on/off, got {value!r}")
    return bool(value)
