"""`drumbridge check` catches before the show what would fail at `run` or pass silently: missing models,
names one letter off, keys named by their table's name with the line they are on, a table that fits 100 columns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge", "check", str(path), *extra], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_a_missing_model_fails_check_with_file_key_and_paths_tried(tmp_path: Path) -> None:
    path = tmp_path / "band.toml"
    path.write_text('name = "band"\n\n[[responders]]\nname = "drums"\nmodel = "builtin:drums"\n'
                    'models = ["nowhere/groove.mag"]\n')
    result = check(path)
    assert result.returncode == 2, result.stdout
    assert f"{path}:6: responders.drums.models[0]: model 'nowhere/groove.mag': no such bundle file (tried " \
        in result.stderr
    assert str(ROOT / "live_sets" / "nowhere" / "groove.mag") in result.stderr  # every path tried
    assert "nothing started" not in result.stderr  # check never starts anything


def test_an_unreadable_bundle_fails_check(tmp_path: Path) -> None:
    bundle = tmp_path / "broken.mag"
    bundle.write_bytes(b"this is not a bundle")
    path = tmp_path / "band.toml"
    path.write_text(f'[[responders]]\nname = "keys"\nmodel = "{bundle}"\n')
    result = check(path)
    assert result.returncode == 2
    assert f"{path}:3: responders.keys.model: model '{bundle}' ({bundle}): " in result.stderr


def test_a_drum_input_one_letter_off_a_responder_is_pointed_out(tmp_path: Path) -> None:
    path = tmp_path / "band.toml"
    path.write_text('[[responders]]\nname = "drums"\nmodel = "builtin:drums"\n\n[drum]\nserial = "auto"\n'
                    'input = "drum"\n\n[[osc.cues]]\nname = "hit"\nstate = { responder = "drms", '
                    'states = ["responding"] }\n')
    result = check(path)
    assert result.returncode == 0, result.stderr
    assert f"{path}:7: warning: drum.input: 'drum' opens a new port named 'drum' (did you mean 'drums'?)" \
        in result.stderr
    assert f"{path}:11: warning: osc.cues.hit.state.responder: no responder is called 'drms', so this cue " \
        "never fires (did you mean 'drums'?)" in result.stderr


def test_errors_name_tables_by_name_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "band.toml"
    path.write_text('[[responders]]\nname = "bass"\nmodel = "builtin:drums"\n\n[[responders]]\nname = "drums"\n'
                    'model = "builtin:drums"\ntemperature = 9.0\n')
    result = check(path)
    assert result.returncode == 2
    assert f"{path}:8: responders.drums.temperature: input should be less than or equal to 4 (got 9.0)" \
        in result.stderr


def test_the_routing_table_fits_a_100_column_terminal() -> None:
    for name in ("demo.toml", "modulshtein.toml", "drum-sim.toml"):
        result = check(ROOT / "live_sets" / name)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= 100, max(lines, key=len)
        assert "drumbridge drums in" in result.stdout or name == "drum-sim.toml"
    narrow = check(ROOT / "live_sets" / "modulshtein.toml", "--width", "60")
    assert max(len(line) for line in narrow.stdout.splitlines()[1:]) <= 60  # the table, after the OK line


def test_near_misses_are_one_edit_apart() -> None:
    from bridge.setfile.suggest import did_you_mean, one_edit_apart

    assert one_edit_apart("drum", "drums") and one_edit_apart("kik", "kick") and one_edit_apart("durms", "drums")
    assert one_edit_apart("Drums", "drum")  # case does not count as an edit
    assert not one_edit_apart("drums", "drums") and not one_edit_apart("bass", "drums")
    assert did_you_mean("keyz", ["drums", "keys"]) == " (did you mean 'keys'?)"
    assert did_you_mean("piano", ["drums", "keys"]) == ""
