"""`drumbridge drum …`: talk to the drum board on the workbench (status, test strikes, calibration) or simulate it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bridge.cli.main import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "drum", help="read status, test-strike and calibrate the drum board; or run it in the simulator",
        description="Build and tune the robot drum: every command opens the board's serial port "
                    "(--port, default: found by USB id), asks, prints the answer and closes it.")
    from bridge.cli.main import list_actions

    parser.set_defaults(func=list_actions(parser))
    actions = parser.add_subparsers(dest="drum_action", metavar="ACTION")

    def board_parser(name: str, help: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help, description=help)
        sub.add_argument("--port", help='serial device, or "auto" to find the board by USB id (default)')
        sub.add_argument("--baud", type=int, help="default 115200")
        sub.add_argument("--set", metavar="SET", help="take port, baud and USB ids from this set file's [drum]")
        sub.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the board to answer")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.set_defaults(func=handle)
        return sub

    board_parser("hello", "print the board's firmware version, driver and motor count")
    board_parser("status", "print the board's identity, counters, note map and every motor's calibration")
    test = board_parser("test", "test-strike one motor through the board (bypasses the note map)")
    test.add_argument("motor", help="motor index, or a voice name (kick, snare, or a [drum] motor's name with --set)")
    test.add_argument("--velocity", type=int, default=100, help="1..127 (default 100)")
    cal = board_parser("calibrate", "show or change one motor's strike timings (forward-pause-back)")
    cal.add_argument("motor", help="motor index, or a voice name (see `drum test`)")
    cal.add_argument("--forward", type=int, metavar="MS", help="drive toward the skin for MS at full velocity")
    cal.add_argument("--pause", type=int, metavar="MS", help="coast with the stick on the skin")
    cal.add_argument("--back", type=int, metavar="MS", help="drive back")
    cal.add_argument("--latency", type=int, metavar="MS", help="command → stick on skin (the show sends this early)")
    cal.add_argument("--min-interval", type=int, metavar="MS", help="refuse re-strikes closer than this")
    cal.add_argument("--max-on", type=int, metavar="MS", help="longest drive the board allows")
    cal.add_argument("--strike", type=int, metavar="VELOCITY", help="test-strike with the new timings")
    cal.add_argument("--save", action="store_true", help="write the board's calibration to EEPROM")

    sim = actions.add_parser("sim", help="run the real firmware in simavr behind a pty, as a board with no board",
                             description="Run the firmware in simavr behind a pty so drumbridge (set "
                                         '[drum] serial = "PATH") can be run and demoed with no board.')
    sim.add_argument("--link", default="/tmp/drumbridge-sim", help="path of the pty symlink to create")
    sim.add_argument("--trace", metavar="FILE.csv", help="log time_us,motor,state for every motor pin change")
    sim.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C)")
    sim.add_argument("--eeprom", metavar="FILE", help="the board's EEPROM image: loaded at start if it exists, "
                     "written back at exit, so calibration saved with `calibrate --save` survives restarts "
                     "(default: blank EEPROM every start)")
    sim.set_defaults(func=handle_sim)


def _drum_config(args: argparse.Namespace) -> Any:
    """The set file's [drum] with --set, else the defaults."""
    from bridge.drum.config import DrumConfig

    if not args.set:
        return DrumConfig()
    from bridge.cli.common import load_or_fail

    path, config = load_or_fail(args.set, starting=False)
    if config.drum is None:
        raise CliError(f"{path} has no [drum] section")
    return config.drum


def _link_settings(args: argparse.Namespace) -> tuple[str, int, list[str], str]:
    """Port, baud, USB ids and serial number: flags first, then the set file's [drum], then defaults."""
    drum = _drum_config(args)
    return args.port or drum.serial, args.baud or drum.baud, drum.usb_ids, drum.serial_number


def motor_index(spec: str, drum: Any) -> int:
    """A motor given as an index or a voice name (the set file's motor names, else kick/snare)."""
    if spec.strip().isdigit():
        return int(spec)
    voices = {drum.voice(m): m for m in range(drum.motor_count)}
    if spec in voices:
        return voices[spec]
    from bridge.setfile.suggest import did_you_mean

    raise CliError(f"no motor called {spec!r}{did_you_mean(spec, voices)}; voices: "
                   + ", ".join(f"{name} (motor {m})" for name, m in voices.items()))


def _device(port: str, usb_ids: list[str] | None = None, serial_number: str = "") -> str:
    if port != "auto":
        return port
    from bridge.drum.config import DEFAULT_USB_IDS
    from bridge.drum.ports import find_board, list_serial_ports

    usb_ids = list(usb_ids or DEFAULT_USB_IDS)
    board = find_board(usb_ids, serial_number)
    if board is None:
        seen = ", ".join(f"{p.device} ({p.vid:04x}:{p.pid or 0:04x})" if p.vid is not None
                         else f"{p.device} (no USB id)" for p in list_serial_ports()) or "none"
        raise CliError(f"no drum board found by USB id ({', '.join(usb_ids)}"
                       f"{', serial number ' + serial_number if serial_number else ''}); serial ports: {seen}. "
                       "Give --port /dev/…")
    return board.device


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, indent=2) if args.json else text)


def handle(args: argparse.Namespace) -> int:
    from bridge.drum.client import BoardTimeout, DrumClient

    port, baud, usb_ids, serial_number = _link_settings(args)
    if getattr(args, "motor", None) is not None:
        args.motor = motor_index(args.motor, _drum_config(args))
    device = _device(port, usb_ids, serial_number)
    try:
        client = DrumClient.open(device, baud)
    except OSError as error:
        raise CliError(f"cannot open {device}: {error}") from None
    try:
        with client:
            hello = client.hello(args.timeout)
            return ACTIONS[args.drum_action](args, client, device, hello)
    except BoardTimeout as error:
        raise CliError(f"{device}: {error} (is the drumbridge firmware flashed? `make -C firmware flash`)") from None
    except OSError as error:
        raise CliError(f"{device}: serial error: {error}") from None
    except ValueError as error:
        raise CliError(str(error)) from None


def _identity(hello: Any, device: str) -> dict[str, Any]:
    return {"port": device, "firmware": hello.version, "protocol": hello.protocol, "driver": hello.driver,
            "motors": hello.motors}


def _hello(args: argparse.Namespace, client: Any, device: str, hello: Any) -> int:
    ident = _identity(hello, device)
    _print(args, ident, f"{device}: drumbridge firmware {hello.version} (protocol {hello.protocol}), "
                        f"{hello.motors} motors, {hello.driver} driver")
    return 0


def _status(args: argparse.Namespace, client: Any, device: str, hello: Any) -> int:
    from dataclasses import asdict

    status = client.status()
    note_map = client.note_map()
    cals = {m: client.calibration(m) for m in range(hello.motors)}
    boot = client.boots[-1] if client.boots else None
    data = {**_identity(hello, device), "flags": list(status.flags), "active_motors": list(status.active_motors),
            "counters": status.counters,
            "last_boot": None if boot is None else {"reset": list(boot.reset_causes), "eeprom": boot.eeprom},
            "channel": "omni" if note_map.channel is None else note_map.channel + 1,
            "note_map": {str(n): m for n, m in sorted(note_map.notes.items())},
            "calibration": {str(m): asdict(c) for m, c in cals.items()}}
    lines = [f"{device}: firmware {hello.version}, {hello.motors} motors, {hello.driver} driver"]
    if boot is not None:
        lines.append(f"booted just now: reset by {'+'.join(boot.reset_causes)}, EEPROM {boot.eeprom}")
    lines.append(f"flags: {', '.join(status.flags) or 'none'}; active motors: {list(status.active_motors) or 'none'}")
    lines.append("counters: " + ", ".join(f"{k}={v}" for k, v in status.counters.items()))
    lines.append(f"note map (channel {data['channel']}): "
                 + (", ".join(f"{n}→motor {m}" for n, m in sorted(note_map.notes.items())) or "empty"))
    lines.append("motor  forward  pause  back  latency  min_interval  max_on  velocity")
    for m, c in cals.items():
        lines.append(f"{m:5d}  {c.forward_ms:7d}  {c.pause_ms:5d}  {c.back_ms:4d}  {c.latency_ms:7d}  "
                     f"{c.min_interval_ms:12d}  {c.max_on_ms:6d}  {c.vel_mode}/{c.vel_curve}/{c.vel_floor_pct}%")
    _print(args, data, "\n".join(lines))
    return 0


def _check_motor(motor: int, hello: Any) -> None:
    if not 0 <= motor < hello.motors:
        raise CliError(f"motor {motor} does not exist: the board has motors 0..{hello.motors - 1}")


def _test(args: argparse.Namespace, client: Any, device: str, hello: Any) -> int:
    _check_motor(args.motor, hello)
    if not 1 <= args.velocity <= 127:
        raise CliError(f"--velocity must be 1..127, got {args.velocity}")
    ack = client.test(args.motor, args.velocity)
    _print(args, {"motor": args.motor, "velocity": args.velocity, "result": ack.meaning, "ok": ack.ok},
           f"motor {args.motor} velocity {args.velocity}: {ack.meaning}")
    return 0 if ack.ok else 1


def _calibrate(args: argparse.Namespace, client: Any, device: str, hello: Any) -> int:
    from dataclasses import asdict, replace

    _check_motor(args.motor, hello)
    before = client.calibration(args.motor)
    changes = {k: v for k, v in (("forward_ms", args.forward), ("pause_ms", args.pause), ("back_ms", args.back),
                                 ("latency_ms", args.latency), ("min_interval_ms", args.min_interval),
                                 ("max_on_ms", args.max_on)) if v is not None}
    after = replace(before, **changes)
    after.validate()
    results: dict[str, Any] = {"motor": args.motor, "before": asdict(before), "after": asdict(after)}
    lines = [f"motor {args.motor}: forward {before.forward_ms} ms, pause {before.pause_ms} ms, "
             f"back {before.back_ms} ms, latency {before.latency_ms} ms"]
    status = 0
    if changes:
        ack = client.set_calibration(args.motor, after)
        results["set"] = ack.meaning
        lines.append(f"set → forward {after.forward_ms} ms, pause {after.pause_ms} ms, back {after.back_ms} ms, "
                     f"latency {after.latency_ms} ms: {ack.meaning}")
        status |= not ack.ok
    if args.strike is not None:
        ack = client.test(args.motor, args.strike)
        results["strike"] = ack.meaning
        lines.append(f"test strike at velocity {args.strike}: {ack.meaning}")
        status |= not ack.ok
    if args.save:
        ack = client.save()
        results["save"] = ack.meaning
        lines.append(f"saved to EEPROM: {ack.meaning}")
        status |= not ack.ok
    elif changes:
        lines.append("not saved: the board forgets this on reset (add --save; a show's set file pushes its own)")
    _print(args, results, "\n".join(lines))
    return int(status)


ACTIONS = {"hello": _hello, "status": _status, "test": _test, "calibrate": _calibrate}


def handle_sim(args: argparse.Namespace) -> int:
    from bridge.cli.common import install_sigterm, wait_for
    from bridge.drum.sim import Simulator, SimulatorError

    install_sigterm()
    try:
        extra = ("--eeprom", str(Path(args.eeprom).expanduser())) if args.eeprom else ()
        sim = Simulator(args.link, trace=args.trace, extra_args=extra).start()
    except SimulatorError as error:
        raise CliError(str(error)) from None
    print(f"firmware running in simavr; serial port: {args.link} (set [drum] serial = \"{args.link}\")"
          + (f"; pin trace → {args.trace}" if args.trace else "")
          + (f"; EEPROM image {args.eeprom}" if args.eeprom else ""), flush=True)
    try:
        wait_for(sim, args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    if sim.returncode not in (0, None, -15):
        raise CliError(f"simulator exited with status {sim.returncode}: {sim.stderr_tail()}")
    return 0
