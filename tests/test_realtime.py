"""The timing threads ask for real-time scheduling, what they start does not inherit it, and without permission
they say so."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bridge.midi.factory import MemoryPorts
from bridge.realtime import make_current_thread_realtime
from bridge.runner import RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
can_be_realtime = os.geteuid() == 0  # CI and the dev machines run as root; a user needs an rtprio limit


@pytest.mark.skipif(not can_be_realtime, reason="needs root or an rtprio limit")
def test_the_engine_thread_runs_fifo_and_a_thread_it_starts_does_not() -> None:
    show = Show(parse_set('[clock]\nsource = "internal"\nbpm = 120\n'), MemoryPorts(monotonic_time), monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    seen: dict[str, int] = {}

    def look() -> None:  # runs on the engine thread, as a command
        seen["engine"] = os.sched_getscheduler(0)
        child = threading.Thread(target=lambda: seen.setdefault("child", os.sched_getscheduler(0)))
        child.start()
        child.join()

    runner.start()
    try:
        show.engine.post_command(look)
        wait_until(lambda: "child" in seen)
    finally:
        runner.stop()
    # a thread the engine starts (the model worker) is an ordinary one
    assert seen == {"engine": os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, "child": os.SCHED_OTHER}
    assert any(e.message == "engine thread at real-time priority (fifo 40)" for e in show.telemetry.recent())


@pytest.mark.skipif(not can_be_realtime or shutil.which("setpriv") is None, reason="needs root to become nobody")
def test_without_permission_the_thread_stays_normal_and_says_how_to_get_it() -> None:
    code = ("from bridge.realtime import make_current_thread_realtime as m; import os; "
            "print(m(40)); print(os.sched_getscheduler(0) == os.SCHED_OTHER)")
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    out = subprocess.run([*nobody, sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr
    said, normal = out.stdout.splitlines()
    assert said.startswith("normal (no permission for real-time priority: add the user to the 'audio' group")
    assert normal == "True"


def test_a_thread_is_told_what_it_got() -> None:
    result: list[tuple[str, int]] = []

    def probe() -> None:
        result.append((make_current_thread_realtime(1), os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK))
    thread = threading.Thread(target=probe, name="rt probe")
    thread.start()
    thread.join()
    said, policy = result[0]
    if can_be_realtime:
        assert (said, policy) == ("fifo 1", os.SCHED_FIFO)
    else:
        assert said.startswith("normal (") and policy == os.SCHED_OTHER


def test_starting_a_show_hides_what_was_built_from_the_collector() -> None:
    gc.unfreeze()
    show = Show(parse_set('[clock]\nsource = "internal"\nbpm = 120\n'), MemoryPorts(monotonic_time), monotonic_time)
    runner = RealtimeRunner(show.engine, monotonic_time)
    try:
        runner.start()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the show, its modules and this test session: never walked again
        assert not any(o is show for o in gc.get_objects())  # the collector's generations no longer hold it
    finally:
        runner.stop()
        gc.unfreeze()  # the rest of the test session collects as usual
