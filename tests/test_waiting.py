"""The shared polling helper: returns what the condition found, fails saying what it waited for."""

from __future__ import annotations

import pytest

from tests.waiting import wait_until


def test_returns_the_first_truthy_value_and_runs_the_pump_between_tries() -> None:
    tries: list[int] = []
    assert wait_until(lambda: len(tries) >= 3 and tries, pump=lambda: tries.append(1), interval=0) == [1, 1, 1]


def test_timeout_names_the_condition_and_its_last_value() -> None:
    with pytest.raises(AssertionError, match=r"waited 0.01 s for .*len\(\[\]\) > 0.*; last value False"):
        wait_until(lambda: len([]) > 0, 0.01)


def test_timeout_uses_the_given_description_computed_on_failure() -> None:
    with pytest.raises(AssertionError, match="waited 0 s for the board; last value None"):
        wait_until(lambda: None, 0, what=lambda: "the board")
