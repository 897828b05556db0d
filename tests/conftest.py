"""Shared fixtures: the real rig (JACK server, oscdump, socat) started and stopped by the tests themselves."""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.midi.jack_server import JackServer
from tests.rig.oscdump import OscDump
from tests.rig.socat import SocatCable

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that kill and restart a jackd under this process run last.

    After such a restart, libjack in the test process can block (holding the GIL) in the next
    jack_client_open; run last, nothing opens a client after them.
    """
    items.sort(key=lambda item: item.get_closest_marker("jackd_restart") is not None)
    for item in items:
        on_jack = item.get_closest_marker("jack") is not None or "jack_server" in getattr(item, "fixturenames", ())
        if on_jack and item.get_closest_marker("flaky") is None:
            # Real-time tests against a real JACK server, with other processes as Live: on a loaded
            # 2-core CI machine about one run in ten loses a JACK client's messages for a whole test
            # (a listener that hears nothing, a clock that stops after 33 messages; see the session
            # notes). A second run shows whether it is that or a real failure; pytest reports the rerun.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


@pytest.fixture(autouse=True)
def no_collector_pause(request: pytest.FixtureRequest) -> Iterator[None]:
    """No full garbage collection while a real-time test runs: this process often plays Live's part.

    With the whole session's objects alive a full collection of the test process took 40-50 ms with
    the GIL held: Live's clock stopped for two ticks and the listener stamped notes late. (The show
    itself freezes its heap when it starts, see `bridge.runner.freeze_heap`.)
    """
    if request.node.get_closest_marker("jack") is None and "jack_server" not in request.fixturenames:
        yield
        return
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="session")
def jack_server() -> Iterator[JackServer]:
    """A private JACK server (dummy driver, unique name) for the whole test session."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd not installed (make test installs it)")
    name = f"dbtest-{uuid.uuid4().hex[:8]}"
    server = JackServer(name).start()
    previous = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "DRUMBRIDGE_MIDI_API", "JACK_NO_START_SERVER")}
    os.environ.update(JACK_DEFAULT_SERVER=name, DRUMBRIDGE_MIDI_API="jack", JACK_NO_START_SERVER="1")
    try:
        yield server
    finally:
        server.stop()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def oscdump() -> Iterator[OscDump]:
    """An oscdump process listening on a free UDP port."""
    if shutil.which("oscdump") is None:
        pytest.skip("oscdump not installed (make test installs liblo-tools)")
    dump = OscDump()
    try:
        yield dump
    finally:
        dump.close()


@pytest.fixture
def socat_cable(tmp_path: Path) -> Iterator[SocatCable]:
    """A pty pair made by socat."""
    if shutil.which("socat") is None:
        pytest.skip("socat not installed (make test installs it)")
    cable = SocatCable(tmp_path)
    try:
        yield cable
    finally:
        cable.stop()


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, present on developer machines and in CI, not in a user's clone."""
    path = SHARED / "data"
    if not path.exists():
        pytest.skip("../shared/data not present")
    return path
