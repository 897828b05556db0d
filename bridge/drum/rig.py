"""What the rig builder does to a running drum: test strikes, calibration, saving to EEPROM, reading counters.

These are the `drum.*` commands (dashboard, OSC, remote attach); they go through the board session,
which refuses them clearly when no board can take them.
"""

from __future__ import annotations

from collections.abc import Callable

from bridge.commands import Commands
from bridge.drum import protocol as p
from bridge.drum.board import BoardSession
from bridge.drum.motor_state import MotorState


class RigCommands:
    """Test, calibrate, save and status for the board of one drum."""

    def __init__(self, board: BoardSession, motors: list[MotorState]) -> None:
        self.board = board
        self.motors = motors

    def test(self, motor: int, velocity: int = 100) -> None:
        """Test-strike `motor` through the board's SysEx (bypasses the note map)."""
        self._check_motor(motor)
        if self.board.send_command(p.test_strike(int(motor), int(velocity))):
            self.board.pending_tests.append(int(motor))

    def calibrate(self, motor: int, forward_ms: int | None = None, pause_ms: int | None = None,
                  back_ms: int | None = None, latency_ms: int | None = None, save: bool = False) -> None:
        """Change a motor's timings (given fields only), push them, and optionally save to EEPROM."""
        self._check_motor(motor)
        state = self.motors[int(motor)]
        changes = {k: int(v) for k, v in (("forward_ms", forward_ms), ("pause_ms", pause_ms),
                                          ("back_ms", back_ms), ("latency_ms", latency_ms)) if v is not None}
        cal = p.Calibration(**{**(state.calibration or p.Calibration()).__dict__, **changes})
        cal.validate()
        state.calibration = cal
        state.host_owned = True
        self.board.send_command(p.cal_set(int(motor), cal))
        if save:
            self.save()

    def save(self) -> None:
        """Write the board's current calibration and map to its EEPROM."""
        self.board.send_command(p.save())

    def request_status(self) -> None:
        """Ask the board for its counters now (they arrive as a status reply)."""
        self.board.send_command(p.status_get())

    def register(self, commands: Commands, reconnect: Callable[[], None]) -> None:
        """Add drum.* to the show's command registry."""
        register = commands.register
        register("drum.reconnect", reconnect, "close the drum's serial port and find the board again")
        register("drum.test", self.test, "test-strike MOTOR at VELOCITY (1..127) through the board")
        register("drum.calibrate", self.calibrate,
                 "set MOTOR's forward/pause/back/latency ms (given ones only); save=True writes EEPROM")
        register("drum.save", self.save, "save the board's calibration and note map to EEPROM")
        register("drum.status", self.request_status, "read the board's counters now")

    def _check_motor(self, motor: int) -> None:
        if not 0 <= int(motor) < len(self.motors):
            raise ValueError(f"motor {motor} does not exist (0..{len(self.motors) - 1})")
