"""Backoff for hosts that present wrong tokens: after a few free tries each failure doubles the wait."""

from __future__ import annotations

import threading
from dataclasses import dataclass

FREE_TRIES = 3  # wrong tokens in a row before any wait (a typo, then the right one, attaches at once)
FIRST_WAIT = 0.5  # seconds after the first wrong token past the free tries
MAX_WAIT = 30.0
MAX_HOSTS = 1024  # hosts remembered; the oldest is forgotten first


@dataclass
class HostFailures:
    count: int = 0
    until: float = 0.0


class FailedAttempts:
    """Per host: how many wrong tokens in a row, and until when its connections are closed unread."""

    def __init__(self) -> None:
        self._hosts: dict[str, HostFailures] = {}
        self._lock = threading.Lock()

    def failed(self, host: str, now: float) -> float:
        """Note a wrong token from `host`; return how long it must now wait."""
        with self._lock:
            entry = self._hosts.pop(host, None) or HostFailures()
            entry.count += 1
            wait = 0.0 if entry.count < FREE_TRIES else min(MAX_WAIT, FIRST_WAIT * 2 ** (entry.count - FREE_TRIES))
            entry.until = now + wait
            self._hosts[host] = entry
            while len(self._hosts) > MAX_HOSTS:
                del self._hosts[next(iter(self._hosts))]
            return wait

    def succeeded(self, host: str) -> None:
        with self._lock:
            self._hosts.pop(host, None)

    def waiting(self, host: str, now: float) -> bool:
        """Whether `host` is still backing off."""
        with self._lock:
            entry = self._hosts.get(host)
            return entry is not None and now < entry.until

    def count(self, host: str) -> int:
        with self._lock:
            entry = self._hosts.get(host)
            return entry.count if entry else 0
