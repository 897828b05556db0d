"""Announce the OSCQuery server (and the OSC control port) with Zeroconf/Bonjour, so VDMX & co list drumbridge.

Optional: needs the `zeroconf` package (`pip install 'drumbridge[oscquery]'`). Registering takes
a second or two (mDNS probing), so it runs on a daemon thread and never delays the show.
Announced only on the interface the control port listens on: a localhost-only show is not
announced to the LAN.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

OSCJSON_TYPE = "_oscjson._tcp.local."
OSC_UDP_TYPE = "_osc._udp.local."
Report = Callable[[str, str], object]  # (level, message); the result is ignored


def _addresses(host: str) -> list[str]:
    """IPv4 addresses to announce for a listen host (every interface's for 0.0.0.0)."""
    if not ipaddress.ip_address(host).is_unspecified:
        return [host]
    import ifaddr  # a dependency of zeroconf

    found = [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
             if isinstance(ip.ip, str) and not ipaddress.ip_address(ip.ip).is_loopback]
    return found or ["127.0.0.1"]


class Advertiser:
    """Registers `<name>._oscjson._tcp` (HTTP port) and `<name>._osc._udp` (control port) until closed."""

    def __init__(self, name: str, host: str, http_port: int, osc_port: int, report: Report) -> None:
        self.name = name
        self.host = host
        self.http_port = http_port
        self.osc_port = osc_port
        self.report = report
        self.registered = threading.Event()
        self._zeroconf: Any = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Register on a daemon thread."""
        self._thread = threading.Thread(target=self._register, name="oscquery-advertise", daemon=True)
        self._thread.start()

    def _register(self) -> None:
        try:
            from zeroconf import IPVersion, ServiceInfo, Zeroconf
        except ImportError:
            self.report("info", "not announced with Bonjour: install the zeroconf package "
                                "(pip install 'drumbridge[oscquery]') or enter the address by hand")
            return
        try:
            addresses = _addresses(self.host)
            interfaces = addresses if not ipaddress.ip_address(self.host).is_unspecified else None
            zc = Zeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only) if interfaces else \
                Zeroconf(ip_version=IPVersion.V4Only)
            self._zeroconf = zc
            packed = [socket.inet_aton(a) for a in addresses]
            server = f"{self.name}.local."
            for kind, port in ((OSCJSON_TYPE, self.http_port), (OSC_UDP_TYPE, self.osc_port)):
                if self._closed.is_set():  # the show ended while we were probing
                    zc.close()
                    return
                info = ServiceInfo(kind, f"{self.name}.{kind}", addresses=packed, port=port,
                                   properties={"txtvers": "1"}, server=server)
                zc.register_service(info, allow_name_change=True)
        except Exception as error:  # noqa: BLE001 - discovery is a convenience; the show goes on without it
            self.report("warning", f"Bonjour announcement failed: {error}; enter the address by hand")
            return
        self.registered.set()
        self.report("info", f"announced as {self.name!r} ({OSCJSON_TYPE} port {self.http_port}, "
                            f"{OSC_UDP_TYPE} port {self.osc_port}) on {', '.join(addresses)}")

    def close(self, timeout: float = 2.0) -> None:
        """Withdraw the announcement (bounded: never holds up shutdown for long)."""
        self._closed.set()
        zc = self._zeroconf
        if zc is None:
            return

        def withdraw() -> None:
            try:
                zc.unregister_all_services()
                zc.close()
            except Exception:  # noqa: BLE001 - best effort on the way out
                log.debug("zeroconf close failed", exc_info=True)

        closer = threading.Thread(target=withdraw, name="oscquery-withdraw", daemon=True)
        closer.start()
        closer.join(timeout)
