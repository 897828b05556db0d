"""`drumbridge model ...` end to end through the CLI entry point."""

from __future__ import annotations

import json

import pytest

import bridge.cli.main as cli
from tests.models.models_refdata import BUNDLES, MIDI, reference


@pytest.fixture
def run(capsys):
    """Run `drumbridge ARGS` in process; return (status, stdout, stderr)."""

    def invoke(*args: str):
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def test_info(run) -> None:
    status, out, _ = run("model", "info", str(BUNDLES / "drum_kit_default.mag"))
    assert status == 0
    assert "drums_rnn/drum_kit" in out and "LSTM 256 x 256 x 256" in out and "32 (metagraph)" in out
    status, out, _ = run("model", "info", str(BUNDLES / "attention_rnn_small_wrapped.mag"), "--json")
    info = json.loads(out)
    assert (info["layout"], info["attn_length"], info["layer_sizes"]) == ("wrapped", 7, [12, 16])


@pytest.mark.parametrize(("name", "midi"), [("drum_kit_small_first", "drums_long.mid"),
                                            ("attention_rnn_small_first", "melody_transpose.mid"),
                                            ("one_drum_small", "drums_groove.mid")])
def test_score_json_matches_magenta(run, name, midi) -> None:
    status, out, _ = run("model", "score", str(BUNDLES / f"{name}.mag"), str(MIDI / midi), "--json")
    assert status == 0
    result = json.loads(out)
    entry = reference(name)["files"][midi]
    assert result["steps"] == len(entry["extracted"]) - 1
    assert result["log_likelihood"] == pytest.approx(entry["log_likelihood"], abs=1e-3)


def test_generate_is_deterministic_per_seed(run, tmp_path) -> None:
    paths = []
    for seed in (5, 5, 6):
        path = tmp_path / f"out{len(paths)}.mid"
        status, out, _ = run("model", "generate", str(BUNDLES / "drum_kit_small_wrapped.mag"),
                             "--primer", str(MIDI / "drums_groove.mid"), "--bars", "2",
                             "--temperature", "1.1", "--seed", str(seed), "--out", str(path))
        assert status == 0 and "generated" in out
        paths.append(path.read_bytes())
    assert paths[0] == paths[1] != paths[2]


def test_generate_melody_writes_a_continuation(run, tmp_path) -> None:
    from bridge.models.sequences import read_track

    path = tmp_path / "melody.mid"
    status, _, _ = run("model", "generate", str(BUNDLES / "lookback_rnn_small.mag"), "--primer",
                       str(MIDI / "melody_simple.mid"), "--bars", "1", "--seed", "1", "--out", str(path))
    assert status == 0
    primer = read_track(MIDI / "melody_simple.mid", False, 4)
    out = read_track(path, False, 4)
    assert out.events[:len(primer.events)] == primer.events


def test_bench_json(run) -> None:
    status, out, _ = run("model", "bench", str(BUNDLES / "drum_kit_noattn.mag"), "--steps", "8",
                         "--runs", "3", "--json")
    result = json.loads(out)
    assert status == 0 and result["runs"] == 3 and result["p99_ms"] >= result["p50_ms"] > 0


def test_errors_exit_2_with_a_message(run, tmp_path) -> None:
    junk = tmp_path / "junk.mag"
    junk.write_bytes(b"\x08\x96\x01garbage")
    status, _, err = run("model", "info", str(junk))
    assert status == 2 and "junk.mag" in err
    status, _, err = run("model", "score", str(BUNDLES / "basic_rnn_small.mag"), str(MIDI / "drums_groove.mid"))
    assert status == 2 and "no melody notes" in err


def test_generate_only_new_starts_after_the_primer(run, tmp_path) -> None:
    from bridge.models.sequences import read_midi

    path = tmp_path / "new.mid"
    status, _, _ = run("model", "generate", str(BUNDLES / "drum_kit_small_first.mag"), "--primer",
                       str(MIDI / "drums_groove.mid"), "--bars", "4", "--temperature", "2.0", "--out", str(path),
                       "--only-new")
    assert status == 0
    primer_end = read_midi(MIDI / "drums_groove.mid").total_time
    notes = read_midi(path).notes
    assert notes and min(n.start for n in notes) >= primer_end
