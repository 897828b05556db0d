"""`drumbridge dashboard --connect HOST:PORT`: attach the FOH dashboard to a show that is already running.

Also home of the two helpers `run` uses: start the remote-attach server of a show, and run the
dashboard in this terminal on top of a running show. Textual is imported only inside them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from typing import Any

from bridge.cli.main import CliError
from bridge.remote.config import DEFAULT_REMOTE_PORT

TOKEN_ENV = "DRUMBRIDGE_TOKEN"


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
    try:
        client = RemoteClient(host, port, token).connect()
    except RemoteError as error:
        raise CliError(f"{error}\n  (is `drumbridge run` going, with [dashboard] remote = true?)") from None
    try:
        from tui.app import DashboardApp

        DashboardApp(client, refresh_hz=args.refresh).run()
    finally:
        client.close()
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

    Returns False when the dashboard itself failed (the caller keeps the show running headless).
    Console logging is held back while the dashboard owns the screen; its log panel shows the same.
    """
    from bridge.remote.source import LocalSource
    from tui.app import DashboardApp

    app = DashboardApp(LocalSource(show.telemetry, show.commands), refresh_hz=show.config.dashboard.refresh_hz)
    if seconds is not None:
        app.stop_after = seconds

    def watch_engine() -> None:
        runner.wait()
        if app.is_running:
            app.call_from_thread(app.exit)

    threading.Thread(target=watch_engine, name="drumbridge-dashboard-watch", daemon=True).start()
    root = logging.getLogger()
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)
                and getattr(h, "stream", None) in (sys.stderr, sys.stdout)]
    for handler in consoles:
        root.removeHandler(handler)
    try:
        app.run()
        return True
    except Exception as error:  # the UI failing must not take the show down
        print(f"drumbridge: the dashboard failed ({error!r}); the show goes on headless", file=sys.stderr)
        return False
    finally:
        for handler in consoles:
            root.addHandler(handler)
