"""The cost budget of OSC control: how many bytes, messages and commands per second a peer may spend.

A flood of control datagrams (68,000 `/panic` in a few bundles, hundreds of `mutate`) must not stop
the beat: what is over budget is dropped and counted, never queued. Token buckets, time injected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Commands that start expensive work (a new answer, a board round trip): a lower rate of their own.
COSTLY = frozenset({"responder.mutate", "responder.model", "drum.test", "drum.calibrate", "drum.save",
                    "drum.reconnect", "drum.status"})
# Commands that write the board's calibration or EEPROM: off over OSC unless the set file allows them.
CALIBRATION = frozenset({"drum.calibrate", "drum.save"})


@dataclass
class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float = -1.0
    last: float | None = None

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend `cost` tokens if there are that many (a cost above `burst` is allowed from a full bucket)."""
        if self.last is None or self.tokens < 0:
            self.tokens, self.last = self.burst, now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.last) * self.rate)
        self.last = now
        if self.tokens >= min(cost, self.burst):
            self.tokens -= cost
            return True
        return False


@dataclass
class ControlBudget:
    """Per second: datagram bytes, messages routed, and commands run per command name."""

    bytes_per_s: float = 256 * 1024
    messages_per_s: float = 500.0
    commands_per_s: float = 10.0  # per command name
    costly_per_s: float = 2.0  # per command name in COSTLY
    _bytes: TokenBucket = field(init=False)
    _messages: TokenBucket = field(init=False)
    _commands: dict[str, TokenBucket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._bytes = TokenBucket(self.bytes_per_s, 2 * self.bytes_per_s)
        self._messages = TokenBucket(self.messages_per_s, 2 * self.messages_per_s)

    def datagram(self, size: int, now: float) -> bool:
        """May a datagram of `size` bytes be parsed now?"""
        return self._bytes.take(now, float(size))

    def message(self, now: float) -> bool:
        """May one more message be routed now?"""
        return self._messages.take(now)

    def command(self, name: str, now: float) -> bool:
        """May command `name` run once more now?"""
        bucket = self._commands.get(name)
        if bucket is None:
            rate = self.costly_per_s if name in COSTLY else self.commands_per_s
            bucket = self._commands[name] = TokenBucket(rate, 2 * rate)
        return bucket.take(now)
