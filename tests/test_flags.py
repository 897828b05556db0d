"""On/off arguments read the same from the dashboard, the CLI and OSC."""

from __future__ import annotations

import pytest

from bridge.flags import parse_flag


@pytest.mark.parametrize("value", [True, 1, 1.0, "1", "on", " ON ", "true", "Yes"])
def test_on_values(value: object) -> None:
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", [False, 0, 0.0, "0", "off", "False", "no "])
def test_off_values(value: object) -> None:
    assert parse_flag(value) is False


def test_synonyms_extend_the_words() -> None:
    assert parse_flag("mute", true_words=("mute",)) is True
    assert parse_flag("Unmute", false_words=("unmute",)) is False


def test_an_unknown_word_is_named() -> None:
    with pytest.raises(ValueError, match="expected on/off, got 'maybe'"):
        parse_flag("maybe")
    with pytest.raises(ValueError, match="'mute'"):
        parse_flag("mute")  # only where the caller allows it
