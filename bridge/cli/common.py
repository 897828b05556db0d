"""Helpers shared by the subcommands: finding and loading set files, running a show until told to stop."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from bridge.cli.main import CliError
from bridge.setfile import SetFileError, ShowConfig, load_set


def say(text: str) -> None:
    """One line on stderr in a single write, so a log line from another thread never lands inside it
    (`print` writes the text and its newline separately)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()

REPO_SETS = Path(__file__).resolve().parent.parent.parent / "live_sets"
DEFAULT_SET = "live_sets/demo.toml"


def resolve_set_path(name: str | None) -> Path:
    """A set file path: as given, else relative to the project's live_sets/ (so `demo.toml` works anywhere)."""
    candidate = Path(name or DEFAULT_SET)
    if candidate.exists():
        return candidate
    for alternative in (REPO_SETS / candidate.name, REPO_SETS / f"{candidate.name}.toml"):
        if alternative.exists():
            return alternative
    return candidate


def load_or_fail(name: str | None, starting: bool = True) -> tuple[Path, ShowConfig]:
    """Load a set file or raise CliError with every problem in it ("nothing started" when a show would have)."""
    path = resolve_set_path(name)
    try:
        return path, load_set(path)
    except SetFileError as error:
        heading = "set file has errors, nothing started" if starting else "set file has errors"
        raise CliError(f"{heading}:\n{error}") from None


# Set by the first stop signal. Python drops an exception raised while a finalizer (__del__, a weakref
# callback) runs, so a KeyboardInterrupt can be lost; wait_for sees this and stops the show anyway.
STOP_REQUESTED = threading.Event()


def install_sigterm() -> None:
    """Make SIGINT, SIGTERM (and SIGHUP: the terminal went away) stop a show the same clean way, once.

    The first signal raises KeyboardInterrupt where the show is waiting; every later one only says
    the show is already stopping, so a second Ctrl-C (or a supervisor's SIGTERM right after it)
    cannot cut the cleanup short: note-offs, All Notes Off, Stop and drum panic always go out.
    """
    STOP_REQUESTED.clear()

    def handler(_signum: int, _frame: object) -> None:
        if STOP_REQUESTED.is_set():
            os.write(2, b"drumbridge: already stopping; sending note-offs, Stop and drum panic first\n")
            return
        STOP_REQUESTED.set()
        raise KeyboardInterrupt
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def jack_missing() -> bool:
    """True on Linux when ports would go to JACK and no JACK server answers."""
    if sys.platform != "linux":
        return False
    import rtmidi

    from bridge.midi.api import chosen_api
    from bridge.midi.jack_server import server_running

    return chosen_api() == rtmidi.API_UNIX_JACK and not server_running()


def ensure_midi_system(private_server: str = "drumbridge-jack") -> object | None:
    """On Linux with no MIDI system up, start a private JACK server; return it (to stop later) or None.

    A server already running under the private name (another drumbridge's) is shared, not restarted.
    The server must not be called "drumbridge": JACK names a client's socket after the client, and a
    client "drumbridge" would unlink the socket of a server of the same name.
    """
    from bridge.midi.jack_server import JackServer, server_running

    if not jack_missing():
        return None
    name = os.environ.get("JACK_DEFAULT_SERVER") or private_server
    os.environ["JACK_DEFAULT_SERVER"] = name
    if server_running(name):
        return None
    try:
        server = JackServer(name).start()
    except RuntimeError:
        name = f"{private_server}-{os.getpid()}"  # the name is taken by a server we cannot reach
        os.environ["JACK_DEFAULT_SERVER"] = name
        try:
            server = JackServer(name).start()
        except RuntimeError as error:
            raise CliError(f"cannot start a private JACK server: {error}") from None
    print(f"started a private JACK server {name!r} (dummy driver); "
          f"connect to it with JACK_DEFAULT_SERVER={name}", file=sys.stderr)
    return server


def midi_system(private_jack: bool) -> object | None:
    """Make sure ports can be created: start a private JACK server if asked, else fail clearly when none runs.

    Returns the server drumbridge started (stop it at the end), or None.
    """
    if private_jack:
        return ensure_midi_system()
    if jack_missing():
        server = os.environ.get("JACK_DEFAULT_SERVER", "default")
        raise CliError(f"no JACK server {server!r} is running, so no MIDI ports can be made; start one "
                       "(for example with qjackctl), or pass --private-jack")
    return None


def wait_for(runner: object, seconds: float | None) -> None:
    """Block until `seconds` pass, the engine stops, or Ctrl-C."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return
        if STOP_REQUESTED.is_set():
            raise KeyboardInterrupt  # the signal's own exception was lost on the way
        if runner.wait(0.25 if remaining is None else min(remaining, 0.25)):  # type: ignore[attr-defined]
            return
