"""The `[dashboard]` set-file table: dashboard refresh rate and where remote attach listens."""

from __future__ import annotations

import ipaddress

from pydantic import Field, model_validator

from bridge.config_base import Section

DEFAULT_REMOTE_PORT = 7420


def is_loopback(host: str) -> bool:
    """True for localhost / 127.x / ::1: addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DashboardConfig(Section):
    """How the dashboard refreshes and how other terminals or machines attach to the show."""

    refresh_hz: float = Field(15.0, ge=1.0, le=30.0, description="dashboard redraws per second")
    remote: bool = Field(True, description="accept `drumbridge dashboard --connect` while the show runs")
    host: str = Field("127.0.0.1", min_length=1,
                      description="address remote attach listens on; anything but localhost needs a token")
    port: int = Field(DEFAULT_REMOTE_PORT, ge=0, le=65535, description="TCP port for remote attach (0: any free)")
    token: str = Field("", description="shared secret a remote dashboard must send when not on localhost")
    push_hz: float = Field(15.0, ge=1.0, le=30.0, description="snapshots per second pushed to each remote dashboard")

    @model_validator(mode="after")
    def _lan_needs_token(self) -> DashboardConfig:
        if self.remote and not is_loopback(self.host) and len(self.token) < 8:
            raise ValueError(f"host {self.host!r} opens remote attach beyond this machine; "
                             "set dashboard.token to a secret of at least 8 characters")
        return self
