"""Fixtures for the firmware tests: build once with make; skip only when the toolchain is absent."""

from __future__ import annotations

import pytest

from tests.firmware import fwsim


@pytest.fixture(scope="session")
def host_tests_built() -> None:
    """Builds the host-native unit test runners (g++)."""
    reason = fwsim.missing_host_tools()
    if reason:
        pytest.skip(reason)
    fwsim.make("build/host/test_drum", "build/host/test_shield")


@pytest.fixture(scope="session")
def sim() -> None:
    """Builds build/drumbridge.elf (H-bridge) and the simavr harness."""
    reason = fwsim.missing_sim_tools()
    if reason:
        pytest.skip(reason)
    fwsim.make("DRIVER=hbridge", "hex", "sim")


@pytest.fixture(scope="session")
def sim_shield(sim: None) -> None:
    """Builds build/shield/drumbridge.elf (Adafruit motor shield v1 driver)."""
    fwsim.make("DRIVER=shield", "hex")
