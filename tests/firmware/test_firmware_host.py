"""Runs the firmware's host-native C++ unit tests (parser, strikes, calibration, fuzz) under pytest."""

from __future__ import annotations

import subprocess

import pytest

from tests.firmware import fwsim


@pytest.mark.parametrize("runner", ["test_drum", "test_shield"])
def test_host_unit_tests_pass(host_tests_built: None, runner: str) -> None:
    proc = subprocess.run(
        [str(fwsim.BUILD_DIR / "host" / runner)], capture_output=True, text=True, timeout=120
    )
    failures = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0, "\n".join(failures) or proc.stdout[-2000:]
    assert " 0 failures" in proc.stdout


def test_shield_build_links() -> None:
    """`make DRIVER=shield` builds the Adafruit motor shield v1 firmware."""
    reason = fwsim.missing_sim_tools()
    if reason:
        pytest.skip(reason)
    fwsim.make("DRIVER=shield", "hex")
    assert (fwsim.BUILD_DIR / "shield" / "drumbridge.hex").stat().st_size > 1000
