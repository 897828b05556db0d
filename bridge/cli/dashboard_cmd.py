"""`drumbridge dashboard --connect HOST:PORT`: attach the FOH dashboard to a show that is already running.

Also home of the two helpers `run` uses: start the remote-attach server of a show, and run the
dashboard in this terminal on top of a running show. Textual is imported only inside them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from bridge.cli.main import CliError
from bridge.remote.config import DEFAULT_REMOTE_PORT

TOKEN_ENV = "DRUMBRIDGE_TOKEN"
DASHBOARD_NICE = 10  # a viewer: when cores are busy the show on this machine goes first


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="attach the dashboard to a running show",
        description="Attach the FOH dashboard to a show running in another terminal or on another machine. "
        "Quitting the dashboard detaches; the show keeps running.")
    parser.add_argument("--connect", metavar="HOST:PORT", default=None,
                        help=f"where the show listens (default: the set file's [dashboard], else "
                        f"127.0.0.1:{DEFAULT_REMOTE_PORT})")
    parser.add_argument("--set", dest="set_file", metavar="SET", default=None,
                        help="take address and token from this set file's [dashboard] table")
    parser.add_argument("--token", default=None,
                        help=f"token for a show that listens beyond localhost (or set ${TOKEN_ENV})")
    parser.add_argument("--refresh", type=float, default=15.0, metavar="HZ", help="redraws per second (1-30)")
    parser.add_argument("--web", metavar="[HOST:]PORT", default=None,
                        help="serve the dashboard to browsers on HOST:PORT instead (default host 127.0.0.1; "
                        "any other host needs the token); each visit attaches to the show")
    # Used by `drumbridge run`, whose dashboard is this command in a child process:
    parser.add_argument("--owns-show", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stop-after", type=float, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from bridge.remote.client import RemoteClient, RemoteError, parse_address

    if not 1.0 <= args.refresh <= 30.0:
        raise CliError("--refresh must be between 1 and 30 per second")
    host, port, token = "127.0.0.1", DEFAULT_REMOTE_PORT, ""
    if args.set_file:
        from bridge.cli.common import load_or_fail

        _path, config = load_or_fail(args.set_file)
        host = config.dashboard.host if config.dashboard.host not in ("0.0.0.0", "::") else "127.0.0.1"
        port, token = config.dashboard.port, config.dashboard.token
    if args.connect:
        try:
            host, port = parse_address(args.connect, port)
        except ValueError as error:
            raise CliError(f"--connect {error}") from None
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV, token)
    if args.web:
        return serve_web(args.web, host, port, token)
    from bridge.cli.web_dashboard import tie_to_web_server

    tie_to_web_server()
    try:
        client = RemoteClient(host, port, token).connect()
    except RemoteError as error:
        raise CliError(f"{error}\n  (is `drumbridge run` going, with [dashboard] remote = true?)") from None
    yield_cpu()
    if args.owns_show:
        client.owns_show = True  # quitting stops the show: ask first while it plays
        client.description = "local show"
    try:
        from tui.app import DashboardApp

        app = DashboardApp(client, refresh_hz=args.refresh)
        app.stop_after = args.stop_after
        app.run()
    finally:
        client.close()
    return 0


def serve_web(address: str, show_host: str, show_port: int, token: str) -> int:
    """`--web`: serve the dashboard to browsers until Ctrl-C."""
    from bridge.cli.web_dashboard import WebDashboardError, serve
    from bridge.remote.client import parse_address

    try:
        host, port = ("127.0.0.1", int(address)) if address.isdigit() else parse_address(address, 8080)
        serve(host, port, show_host, show_port, token)
    except (ValueError, WebDashboardError) as error:
        raise CliError(f"--web {error}") from None
    except ImportError as error:
        raise CliError(f"--web needs textual-serve ({error}); pip install 'drumbridge[web]'") from None
    return 0


def start_remote_server(show: Any) -> Any | None:
    """Start remote attach for `show` as its set file asks; on failure log it and carry on without."""
    config = show.config.dashboard
    if not config.remote:
        return None
    from bridge.remote.server import RemoteServer

    try:
        server = RemoteServer(show.telemetry, show.commands, config.host, config.port, config.token,
                              config.push_hz, show.config.name).start()
    except OSError as error:
        show.telemetry.event("warning", "remote", f"remote attach off: cannot listen on "
                             f"{config.host}:{config.port}: {error.strerror or error}")
        return None
    host, port = server.address
    show.telemetry.event("info", "remote", f"remote attach on {host}:{port}")
    print(f"drumbridge: attach a dashboard with `drumbridge dashboard --connect {host}:{port}`",
          file=sys.stderr, flush=True)
    return server


def run_local_dashboard(show: Any, runner: Any, seconds: float | None) -> bool:
    """Show the dashboard on this terminal until the user quits, `seconds` pass or the engine stops.

    The dashboard runs as `drumbridge dashboard` in a child process attached over a private
    localhost socket, so drawing never competes with the engine thread for this process's GIL
    (bench/dashboard.py measures the difference) and a crashing UI cannot take the show with it.
    Returns False when the dashboard failed (the caller keeps the show running headless).
    Console logging is held back while the dashboard owns the screen; its log panel shows the same.
    """
    import secrets
    import subprocess

    from bridge.remote.server import RemoteServer

    token = secrets.token_urlsafe(16)
    config = show.config.dashboard
    try:
        server = RemoteServer(show.telemetry, show.commands, "127.0.0.1", 0, token, config.push_hz,
                              show.config.name).start()
    except OSError as error:
        print(f"drumbridge: no dashboard: cannot listen on localhost: {error}", file=sys.stderr)
        return False
    command = [sys.executable, "-m", "bridge", "dashboard", "--connect", f"127.0.0.1:{server.address[1]}",
               "--owns-show", "--refresh", str(config.refresh_hz)]
    if seconds is not None:
        command += ["--stop-after", str(seconds)]
    root = logging.getLogger()
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)
                and getattr(h, "stream", None) in (sys.stderr, sys.stdout)]
    for handler in consoles:
        root.removeHandler(handler)
    terminal = _save_terminal()
    from bridge.cli.common import STOP_REQUESTED
    from bridge.processes import die_with_parent

    # The child ends with the show even when the show is killed (an orphan kept redrawing a dead show).
    child = subprocess.Popen(command, env=dict(os.environ, **{TOKEN_ENV: token}), preexec_fn=die_with_parent())
    try:
        while child.poll() is None and not runner.wait(0.1):
            if STOP_REQUESTED.is_set():
                raise KeyboardInterrupt  # the signal's own exception was lost on the way
    finally:
        server.stop()  # the child sees its show go away and exits
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.terminate()
            child.wait(timeout=5)
        for handler in consoles:
            root.addHandler(handler)
    if child.returncode != 0:
        _restore_terminal(terminal)
    if child.returncode not in (0, None) and runner.running:
        print(f"drumbridge: the dashboard failed (exit status {child.returncode}); the show goes on headless",
              file=sys.stderr)
        return False
    return True


# Leave the alternate screen, show the cursor, stop mouse reporting: what a killed Textual app leaves on.
_RESET = "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?2004l"


def _save_terminal() -> Any:
    """The terminal's settings, to put back if the dashboard dies without restoring them."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _restore_terminal(saved: Any) -> None:
    if saved is None:
        return
    import termios

    try:
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        sys.stdout.write(_RESET)
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def yield_cpu() -> None:
    """Lower this process's priority so a show on the same machine wins any fight for a core."""
    try:
        os.nice(DASHBOARD_NICE)
    except (AttributeError, OSError):
        pass
