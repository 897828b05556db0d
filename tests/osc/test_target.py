"""Targets that are down: a host name still resolving (or never), a port with nothing listening."""

from __future__ import annotations

import socket
import threading
import time as wall

from bridge.osc.target import OscTarget
from tests.osc.helpers import UdpReceiver
from tests.rig.oscdump import free_udp_port
from tests.waiting import wait_until


def test_a_slow_dns_lookup_never_blocks_and_messages_flow_once_resolved() -> None:
    rx = UdpReceiver()
    release = threading.Event()
    errors: list[str] = []

    def slow_resolver(host, port, family, kind):
        release.wait(10)  # a DNS server that takes its time
        return socket.getaddrinfo("127.0.0.1", port, family, kind)

    target = OscTarget("v", "video.example", rx.port, resolver=slow_resolver, on_error=lambda t, m: errors.append(m))
    started = wall.monotonic()
    target.start_resolving()
    assert not target.send("/clock/beat", 1, 1)
    assert wall.monotonic() - started < 0.1
    assert target.stats.dropped_unresolved == 1 and target.state == "resolving"
    release.set()
    wait_until(lambda: target.resolved)
    assert target.send("/clock/beat", 1, 2)
    rx.drain(0.0)
    assert [m.args for m in rx.messages] == [(1, 2)]
    target.close()
    rx.close()


def test_a_name_that_does_not_resolve_is_retried_and_counted() -> None:
    attempts: list[str] = []
    errors: list[str] = []

    def failing(host, port, family, kind):
        attempts.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    target = OscTarget("v", "nowhere.invalid", 9000, resolver=failing, retry_interval=0.01,
                       on_error=lambda t, m: errors.append(m))
    target.start_resolving()
    wait_until(lambda: len(attempts) >= 3)
    for _ in range(5):
        target.send("/x", 1)
    target.close()
    assert len(attempts) >= 3 and target.state in ("unresolved", "closed")
    assert target.stats.dropped_unresolved == 5 and target.stats.errors >= 3
    assert errors == ["cannot resolve 'nowhere.invalid': [Errno -2] Name or service not known"]  # logged once


def test_nothing_listening_is_counted_and_sending_goes_on() -> None:
    port = free_udp_port()
    target = OscTarget("down", "127.0.0.1", port)
    target.start_resolving()
    results = [target.send("/clock/beat", 1, i) for i in range(20)]
    assert target.resolved and target.state == "ok"
    assert results.count(False) >= 5  # the kernel reports "refused" on the sends after each ICMP reply
    assert target.stats.errors == results.count(False) and "refused" in target.stats.last_error.lower()
    target.close()


def test_unencodable_argument_is_an_error_not_an_exception() -> None:
    rx = UdpReceiver()
    target = OscTarget("v", "127.0.0.1", rx.port)
    target.start_resolving()
    assert not target.send("/x", object())
    assert target.stats.errors == 1 and "cannot carry" in target.stats.last_error
    target.close()
    rx.close()
