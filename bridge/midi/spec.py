"""Which port a set file means: a virtual port drumbridge creates, or an existing one it connects to.

An existing port is named by its exact name (with or without JACK's `client:` prefix) or by a part
of it that only one port has, case-insensitive. `match_port` is the one place that decides, so
`check`, show start and reconnects agree. No rtmidi import: set-file validation uses this too.
"""

from __future__ import annotations

from dataclasses import dataclass


class PortMatchError(LookupError):
    """A set file names an existing port that is not there, or that several ports match."""


@dataclass(frozen=True)
class PortSpec:
    """A port in a set file: `name` is the virtual port's name, or the existing port's name or part of it."""

    name: str
    existing: bool = False

    def describe(self) -> str:
        """How the routing table and errors show it."""
        return f"existing {self.name!r}" if self.existing else self.name


def virtual(name: str) -> PortSpec:
    """A port drumbridge creates under `name`."""
    return PortSpec(name, existing=False)


def existing(name: str | None, default_virtual: str) -> PortSpec:
    """The existing port `name` when the set file gives one, else the virtual `default_virtual`."""
    return PortSpec(name, existing=True) if name else PortSpec(default_virtual)


def match_port(ports: list[str], wanted: str, kind: str = "MIDI port") -> str:
    """The one port in `ports` that `wanted` names (exact name, name after `client:`, or unique part)."""
    exact = [p for p in ports if p == wanted]
    if not exact:
        exact = [p for p in ports if p.split(":", 1)[-1] == wanted]
    if len(exact) == 1:
        return exact[0]
    candidates = exact or [p for p in ports if wanted.lower() in p.lower()]
    if len(candidates) == 1:
        return candidates[0]
    have = "; ".join(ports) if ports else "none"
    if not candidates:
        raise PortMatchError(f"no {kind} matches {wanted!r} (there are: {have})")
    raise PortMatchError(f"{wanted!r} matches {len(candidates)} {kind}s: {'; '.join(candidates)} "
                         "(use more of the name)")
