"""The [drum] section, board auto-detection, the routing lines and the serial transport on its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bridge.drum import protocol as p
from bridge.drum.ports import PortInfo, find_board, open_serial, usb_id_matches
from bridge.drum.transport import SerialTransport
from bridge.routing import format_routing
from bridge.setfile import SetFileError, load_set, parse_set
from tests.rig.socat import SocatCable
from tests.waiting import wait_until

LIVE_SETS = Path(__file__).resolve().parents[2] / "live_sets"


def test_defaults_are_gm_kick_and_snare_on_auto() -> None:
    drum = parse_set("[drum]\n").drum
    assert drum is not None
    assert (drum.serial, drum.baud, drum.input) == ("auto", 115200, "drumbridge drum in")
    assert drum.note_map() == p.NoteMap({36: 0, 38: 1}, None)
    assert not drum.map_given() and drum.voice(0) == "kick" and drum.voice(1) == "snare"
    assert parse_set("").drum is None


@pytest.mark.parametrize(("text", "expected"), [
    ('[drum]\nserial = ""', "drum.serial"),
    ("[drum]\nbaud = 0", "drum.baud"),
    ("[drum]\nusb_ids = ['2341']", "USB ids look like"),
    ("[drum]\nmotor_typo = 1", "drum.motor_typo: unknown key"),
    ("[[drum.motors]]\nmotor = 5", "motor 5 does not exist"),
    ("[[drum.motors]]\nmotor = 0\nnotes = [36]\n[[drum.motors]]\nmotor = 1\nnotes = [36]", "note 36 maps to both"),
    ("[[drum.motors]]\nmotor = 0\nnotes = [1,2,3,4,5,6,7,8,9]", "at most 8 notes"),
    ("[[drum.motors]]\nmotor = 0\nforward_ms = 5000", "drum.motors[0].forward_ms"),
    ("[[drum.motors]]\nmotor = 0\nnotes = [128]", "notes must be 0..127"),
    ("[[drum.motors]]\nmotor = 0\nvel_mode = 'loud'", "drum.motors[0].vel_mode"),
])
def test_mistakes_are_named(text: str, expected: str) -> None:
    with pytest.raises(SetFileError) as error:
        parse_set(text, "show.toml")
    assert expected in str(error.value)


def test_example_set_file_loads_and_routes() -> None:
    config = load_set(LIVE_SETS / "drum-sim.toml")
    assert config.drum is not None and config.drum.note_map().notes == {35: 0, 36: 0, 38: 1, 40: 1}
    table = format_routing(config)
    assert "drumbridge drum in" in table and "35→kick, 36→kick, 38→snare, 40→snare" in table
    assert "Track Delay -15 ms" in table


def test_usb_ids_pick_the_board() -> None:
    ports = [PortInfo("/dev/ttyS0", None, None, None, "builtin"),
             PortInfo("/dev/ttyUSB0", 0x0403, 0x6001, "FT1", "FTDI"),
             PortInfo("/dev/ttyUSB1", 0x1A86, 0x7523, None, "CH340"),
             PortInfo("/dev/ttyACM0", 0x2341, 0x0043, "A1", "Arduino Uno")]
    assert usb_id_matches("2341:*", 0x2341, 0x0001) and not usb_id_matches("2341:0043", 0x2341, 0x0001)
    assert find_board(["2341:*", "1a86:7523"], ports=ports).device == "/dev/ttyACM0"
    assert find_board(["1a86:7523", "2341:*"], ports=ports).device == "/dev/ttyUSB1"
    assert find_board(["0403:*"], serial_number="FT1", ports=ports).device == "/dev/ttyUSB0"
    assert find_board(["0403:*"], serial_number="other", ports=ports) is None
    assert find_board(["2a03:*"], ports=ports) is None


def test_auto_transport_finds_the_board_when_it_appears(socat_cable: SocatCable) -> None:
    """Auto mode with the USB listing injected: nothing, then the board at a pty path."""
    present: list[str] = []
    link = SerialTransport("auto", 115200, resolver=lambda: present[0] if present else None)
    link.start()
    try:
        time.sleep(0.25)
        assert link.state == "searching" and not link.send(b"\x99\x24\x64")
        assert link.stats.dropped == 1
        present.append(str(socat_cable.a))
        wait_until(lambda: link.state == "connected", 1.0)
        assert link.device == str(socat_cable.a)
        assert [e.kind for e in link.take_events()] == ["connected"]
        with open_serial(str(socat_cable.b), 115200) as far:
            assert link.send(b"\xFE" * 3)
            assert far.read(3) == b"\xFE" * 3
            far.write(b"\xF0\x7D\x60\x07\x00\xF7")
            received = bytearray()
            wait_until(lambda: len(received) >= 6, 1.0,
                       pump=lambda: received.extend(b"".join(e.data for e in link.take_events() if e.kind == "data")))
            assert received == b"\xF0\x7D\x60\x07\x00\xF7"
    finally:
        link.close()
    assert link.state == "disconnected"


def test_open_serial_on_a_pty_survives_modem_lines(socat_cable: SocatCable) -> None:
    port = open_serial(str(socat_cable.a), 115200)
    try:
        with pytest.raises(OSError):
            port.dtr = True  # what a naive open does; a pty refuses it
        assert port.is_open
    finally:
        port.close()


def test_cli_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bridge.cli.main import main

    assert main(["drum", "hello", "--port", str(tmp_path / "nothing")]) == 2
    assert "cannot open" in capsys.readouterr().err
    no_drum = tmp_path / "no-drum.toml"
    no_drum.write_text('[clock]\nsource = "internal"\n')
    assert main(["drum", "status", "--set", str(no_drum)]) == 2
    assert "has no [drum] section" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["drum", "test"])  # MOTOR is required
    capsys.readouterr()


def test_cli_hello_against_a_fake_board_with_set_file(socat_cable: SocatCable, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from bridge.cli.main import main
    from tests.drum.fake_board import FakeBoard

    set_file = tmp_path / "rig.toml"
    set_file.write_text(f'[drum]\nserial = "{socat_cable.a}"\n', encoding="utf-8")
    board = FakeBoard(socat_cable.b, boot=False)
    try:
        assert main(["drum", "hello", "--set", str(set_file), "--json"]) == 0
    finally:
        board.close()
    assert '"firmware": "1.0.0"' in capsys.readouterr().out
