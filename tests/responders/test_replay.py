"""Record → replay: the same record and seeds give the same answers bit for bit; another seed, other answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.record.format import Message, RecordError, end_line, header_line, message_line, read_record
from bridge.record.replay import replay
from tests.responders.fakes import SMALL_DRUMS
from tests.rig.oscdump import OscDump

TICK = 60.0 / (120.0 * 24)  # 120 BPM MIDI clock
START = 0.5  # Live presses play half a second into the show


def midi_clock_set(**extra: str) -> str:
    lines = ['name = "replay test"', "[clock]", 'source = "midi"', "", "[[responders]]", 'name = "drums"',
             f'model = "{SMALL_DRUMS}"', "seed = 7"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def write_record(path: Path, set_text: str, beats: float = 40.0, jitter: float = 0.0003) -> Path:
    """A record like Live would make: Start, clock ticks (with a little jitter), a 2-bar call every 4 bars."""
    messages = [Message(START - 0.001, None, "drumbridge clock", (0xFA,))]
    for i in range(int(beats * 24)):
        wobble = jitter * ((i * 7919) % 11 - 5) / 5  # deterministic jitter
        messages.append(Message(START + i * TICK + wobble, None, "drumbridge clock", (0xF8,)))
    for bar in range(0, int(beats // 4), 4):
        for beat, pitch in ((0, 36), (1, 38), (2, 36), (2.5, 36), (3, 38), (4, 36), (5, 38), (6, 36), (7.5, 38)):
            t = START + (bar * 4 + beat) * 0.5 + 0.004
            messages.append(Message(t, None, "drumbridge drums in", (0x99, pitch, 100)))
            messages.append(Message(t + 0.05, None, "drumbridge drums in", (0x89, pitch, 0)))
    messages.sort(key=lambda m: m.t)
    lines = [header_line(set_text, "test.toml"), *(message_line(m) for m in messages), end_line(START + beats * 0.5)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SMALL_DRUMS.exists():
        pytest.skip(f"{SMALL_DRUMS} not in this checkout")
    return write_record(tmp_path_factory.mktemp("rec") / "show.jsonl", midi_clock_set())


def test_two_replays_are_identical_and_answer_on_the_bar(record_file: Path) -> None:
    record = read_record(record_file)
    first, second = replay(record), replay(record)
    assert first.lines() == second.lines()
    assert first.digest == second.digest
    assert [a["beat"] for a in first.answers] == [8.0, 24.0, 40.0][:len(first.answers)]
    assert len(first.answers) >= 2 and not first.late
    ons = [m for m in first.messages if m["data"][0] == 0x99 and m["data"][2] > 0]
    # the default groove: each hit within half a 16th of its step, velocities and offsets of a drummer
    assert ons and all(abs(m["beat"] * 4 - round(m["beat"] * 4)) < 0.5 for m in ons)
    assert len({m["data"][2] for m in ons}) > 5
    assert sum(abs(m["beat"] * 4 - round(m["beat"] * 4)) > 0.02 for m in ons) > len(ons) / 2


def test_groove_none_plays_the_plain_grid(tmp_path: Path) -> None:
    if not SMALL_DRUMS.exists():
        pytest.skip(f"{SMALL_DRUMS} not in this checkout")
    record = read_record(write_record(tmp_path / "grid.jsonl", midi_clock_set(groove='"none"'), beats=20))
    ons = [m for m in replay(record).messages if m["data"][0] == 0x99 and m["data"][2] > 0]
    assert ons and all(abs(m["beat"] * 4 - round(m["beat"] * 4)) < 0.02 for m in ons)
    assert {m["data"][2] for m in ons} == {100}  # the call's median velocity


def test_humanize_scales_the_groove_and_replays_identically(tmp_path: Path) -> None:
    if not SMALL_DRUMS.exists():
        pytest.skip(f"{SMALL_DRUMS} not in this checkout")
    offsets = {}
    for humanize in ("1.0", "0.5"):
        record = read_record(write_record(tmp_path / f"h{humanize}.jsonl", midi_clock_set(humanize=humanize),
                                          beats=20))
        first, second = replay(record), replay(record)
        assert first.digest == second.digest
        ons = [m for m in first.messages if m["data"][0] == 0x99 and m["data"][2] > 0]
        offsets[humanize] = [m["beat"] * 4 - round(m["beat"] * 4) for m in ons]
    assert len(offsets["1.0"]) == len(offsets["0.5"])
    assert max(abs(x) for x in offsets["0.5"]) < 0.26
    assert sum(map(abs, offsets["0.5"])) < 0.7 * sum(map(abs, offsets["1.0"]))


def test_another_seed_gives_other_answers(record_file: Path) -> None:
    record = read_record(record_file)
    same, other = replay(record), replay(record, seed=8)
    assert [a["phrase"] for a in same.answers] != [a["phrase"] for a in other.answers]
    assert [a["beat"] for a in same.answers] == [a["beat"] for a in other.answers]


def test_a_slow_modelled_generation_falls_back_the_same_way_every_time(record_file: Path) -> None:
    record = read_record(record_file)
    # the drum model streams: its first step is ready after gen_ms / 32, more than 62.5 ms here
    slow_a, slow_b = replay(record, gen_ms=3000.0), replay(record, gen_ms=3000.0)
    assert slow_a.digest == slow_b.digest
    assert slow_a.late == len(slow_a.answers) > 0
    assert {a["source"] for a in slow_a.answers} == {"fallback:repeat-call"}


def test_replay_command_prints_and_saves_identical_runs(record_file: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(record_file), "--out", str(tmp_path / "a.jsonl")]) == 0
    first = capsys.readouterr().out
    assert main(["replay", str(record_file), "--out", str(tmp_path / "b.jsonl"), "--quiet"]) == 0
    second = capsys.readouterr().out
    assert "answer   0  beat        8  model" in first
    assert first.splitlines()[-1] == second.splitlines()[-1] and first.splitlines()[-1].startswith("digest ")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_bad_records_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "drumbridge-record", "version": 1, "set": ""}\n{"t": 1, "port": "x"}\n')
    with pytest.raises(RecordError, match=r"bad.jsonl:2: bad message line"):
        read_record(bad)
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_stop_from_live_mid_answer_silences_everything_at_once(tmp_path: Path) -> None:
    if not SMALL_DRUMS.exists():
        pytest.skip(f"{SMALL_DRUMS} not in this checkout")
    path = write_record(tmp_path / "show.jsonl", midi_clock_set(), beats=12)
    lines = path.read_text().splitlines()
    stop_t = START + 10.1 * 0.5  # Live's Stop a little after beat 10, two beats into the answer
    lines.insert(-1, message_line(Message(stop_t, None, "drumbridge clock", (0xFC,))))
    path.write_text("\n".join(lines) + "\n")
    result = replay(read_record(path))
    assert [a["source"] for a in result.answers] == ["model:cut"]
    ons = [m for m in result.messages if m["data"][0] == 0x99 and m["data"][2] > 0]
    assert ons and max(m["t"] for m in ons) < stop_t
    after = [m for m in result.messages if m["t"] >= stop_t]
    assert after and all(m["data"][0] == 0x89 or m["data"][:2] == [0xB9, 123] for m in after)
    # All Notes Off at the Stop, as the live port sends it (and again when the show shuts down)
    assert any(m["data"] == [0xB9, 123, 0] and m["t"] - stop_t < 0.125 for m in after)
    at_stop = [m for m in after if m["t"] < START + 12 * 0.5]  # not the panic when the replay ends
    assert max(m["t"] for m in at_stop) - stop_t < 0.125  # within one step
    sounding: dict[int, int] = {}
    for m in result.messages:
        if m["data"][0] == 0x99 and m["data"][2] > 0:
            sounding[m["data"][1]] = 1
        elif m["data"][0] == 0x89:
            sounding.pop(m["data"][1], None)
    assert sounding == {}


@pytest.mark.jack
def test_replay_is_offline_unless_live(jack_server: object, tmp_path: Path, oscdump: OscDump,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The set's OSC target (an independent oscdump) hears nothing from a replay; with --live it hears the show."""
    if not SMALL_DRUMS.exists():
        pytest.skip(f"{SMALL_DRUMS} not in this checkout")
    text = midi_clock_set() + f'\n[[osc.targets]]\nname = "vdmx"\nhost = "127.0.0.1"\nport = {oscdump.port}\n'
    path = write_record(tmp_path / "show.jsonl", text, beats=6)
    assert main(["replay", str(path), "--quiet"]) == 0
    offline = capsys.readouterr().out.splitlines()[-1]
    assert main(["replay", str(path), "--quiet", "--live"]) == 0  # at recorded speed: ~3.5 s
    live = capsys.readouterr().out.splitlines()[-1]
    assert oscdump.wait_for(4, "/drumbridge/clock/beat")  # --live reached the target
    beats_live = len(oscdump.messages("/drumbridge/clock/beat"))
    assert main(["replay", str(path), "--quiet"]) == 0
    assert len(oscdump.messages("/drumbridge/clock/beat")) == beats_live  # offline sent nothing more
    assert offline == live  # the same answers either way


def test_replaying_a_set_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "live_sets/demo.toml"]) == 2
    assert "live_sets/demo.toml is a set file, not a record: record a show with `drumbridge record " \
        "live_sets/demo.toml --out show.jsonl`" in capsys.readouterr().err
