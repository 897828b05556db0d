"""Real-time scheduling for the threads that keep time: the engine and the MIDI input poller.

On a laptop that also runs Live (or a CI machine running the whole suite), an ordinary thread
shares the CPU with everything else and wakes milliseconds late whenever the cores are busy; an
answer's notes then leave late and uneven. JACK runs its own threads SCHED_FIFO for this reason;
drumbridge asks the same for its two timing threads, at a priority below JACK's (70 by default)
so the audio graph still comes first. Model generation stays an ordinary thread: it is heavy,
and its deadline is the next bar, not the next millisecond.

Without permission (not root, no rtprio limit: the `audio` group of JACK's set-up gives one) the
thread runs as before, and the word it gets back says why (the engine puts it in the show's log).
"""

from __future__ import annotations

import os

ENGINE_PRIORITY = 40
POLLER_PRIORITY = 41  # input stamped a little sooner than the engine acts on it


def make_current_thread_realtime(priority: int) -> str:
    """Ask SCHED_FIFO at `priority` for the calling thread; a word on what came of it ("fifo 40" or why not)."""
    if not hasattr(os, "sched_setscheduler"):
        result = "normal (no real-time scheduling on this system)"
    else:
        try:
            # 0 is this thread (Linux); threads and processes it starts (a model worker) begin as ordinary ones
            os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(priority))
            result = f"fifo {priority}"
        except PermissionError:
            result = ("normal (no permission for real-time priority: add the user to the 'audio' group "
                      "with an rtprio limit, as for JACK)")
        except OSError as error:
            result = f"normal ({error.strerror or error})"
    return result
