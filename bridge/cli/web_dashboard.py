"""`drumbridge dashboard --web [HOST:]PORT`: the FOH dashboard in a browser, served by textual-serve.

Each browser visit runs `drumbridge dashboard --connect …` against the show in its own process,
so a second (video) machine can watch and steer the show without a terminal. Served on localhost
by default; on any other address the page and its websocket need the show's remote token
(`?token=…` once, then a cookie), since textual-serve itself has no access control.
"""

from __future__ import annotations

import hmac
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bridge.remote.config import is_loopback

COOKIE = "drumbridge_token"
CHILD_ENV = "DRUMBRIDGE_WEB_CHILD"  # set for the dashboards a browser visit starts
MIN_TOKEN = 8


class WebDashboardError(ValueError):
    """The web dashboard cannot be served as asked."""


def dashboard_command(connect_host: str, connect_port: int) -> str:
    """The command line each browser visit runs (the token travels in the environment, not argv).

    `exec` makes the dashboard the web server's own child, so it can be tied to the server's life.
    """
    return f"exec {shlex.quote(sys.executable)} -m bridge dashboard --connect {connect_host}:{connect_port}"


def tie_to_web_server() -> None:
    """In a dashboard a browser visit started: end with the web server, even when it is killed."""
    from bridge.processes import die_with_parent

    if os.environ.get(CHILD_ENV) and (arrange := die_with_parent(signal.SIGKILL)) is not None:
        arrange()  # a viewer holds no show state: nothing to clean up


def check_token(host: str, token: str) -> None:
    """Serving beyond localhost needs a real token."""
    if not is_loopback(host) and len(token) < MIN_TOKEN:
        raise WebDashboardError(f"--web on {host} is reachable from the network: give the show's remote token "
                                f"(--token or $DRUMBRIDGE_TOKEN, at least {MIN_TOKEN} characters)")


def allowed(path: str, query_token: str | None, cookie_token: str | None, token: str) -> bool:
    """Whether a request may see the page, its websocket or a download (static files are public)."""
    if not token or path.startswith("/static/"):
        return True
    given = query_token or cookie_token or ""
    return hmac.compare_digest(given.encode(), token.encode())


def serve(host: str, port: int, connect_host: str, connect_port: int, token: str, title: str = "drumbridge") -> None:
    """Serve the dashboard until Ctrl-C (blocks)."""
    from aiohttp import web
    from textual_serve.server import Server

    check_token(host, token)
    guard_token = "" if is_loopback(host) else token
    if token:
        os.environ["DRUMBRIDGE_TOKEN"] = token  # for the dashboards each visit starts
    os.environ[CHILD_ENV] = "1"

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

    class DashboardServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()

            @web.middleware
            async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
                if not allowed(request.path, request.query.get("token"), request.cookies.get(COOKIE), guard_token):
                    raise web.HTTPForbidden(text="drumbridge dashboard: open this page with ?token=<the show's "
                                                 "remote token>\n")
                # The page tells the browser where its websocket is: the address the browser used.
                self.public_url = f"{request.scheme}://{request.host}"
                response = await handler(request)
                if guard_token and request.path == "/" and request.query.get("token"):
                    response.set_cookie(COOKIE, guard_token, httponly=True, samesite="Strict")
                return response

            app.middlewares.append(gate)
            return app

    server: Any = DashboardServer(dashboard_command(connect_host, connect_port), host=host, port=port, title=title)
    print(f"drumbridge: dashboard in a browser at http://{host}:{port}/"
          + ("?token=…" if guard_token else "") + f" (each visit attaches to {connect_host}:{connect_port})",
          file=sys.stderr, flush=True)
    server.serve()
