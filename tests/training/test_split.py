"""Data split: info.csv split column, stable hash split, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.training.split import SplitError, find_split


def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"MThd")


def test_info_csv_split_column_is_used(tmp_path: Path) -> None:
    touch(tmp_path, "d1/a.mid", "d1/b.mid", "d2/c.mid", "d2/d.mid")
    (tmp_path / "info.csv").write_text(
        "drummer,midi_filename,split\n"
        "d1,d1/a.mid,train\nd1,d1/b.mid,validation\nd2,d2/c.mid,test\nd2,d2/d.mid,train\nd2,d2/gone.mid,train\n"
    )
    split = find_split(tmp_path)
    assert split.files == {"train": ["d1/a.mid", "d2/d.mid"], "validation": ["d1/b.mid"], "test": ["d2/c.mid"]}
    assert split.counts() == {"train": 2, "validation": 1, "test": 1}
    assert "info.csv" in split.source
    assert split.paths("test") == [tmp_path.resolve() / "d2/c.mid"]


def test_info_csv_with_unknown_split_names_the_line(tmp_path: Path) -> None:
    touch(tmp_path, "a.mid")
    (tmp_path / "info.csv").write_text("midi_filename,split\na.mid,train\na.mid,holdout\n")
    with pytest.raises(SplitError, match=r"info.csv:3: split 'holdout'"):
        find_split(tmp_path)


def test_info_csv_without_split_column(tmp_path: Path) -> None:
    (tmp_path / "info.csv").write_text("midi_filename\na.mid\n")
    with pytest.raises(SplitError, match="missing column.*split"):
        find_split(tmp_path)


def test_hash_split_is_stable_and_covers_every_file(tmp_path: Path) -> None:
    names = [f"take{i:03d}.mid" for i in range(200)] + ["sub/x.MIDI"]
    touch(tmp_path, *names, "notes.txt")
    first = find_split(tmp_path, validation_percent=10, test_percent=10)
    second = find_split(tmp_path, validation_percent=10, test_percent=10)
    assert first.files == second.files
    everything = sorted(sum(first.files.values(), []))
    assert everything == sorted(names)
    counts = first.counts()
    assert 5 <= counts["validation"] <= 40 and 5 <= counts["test"] <= 40
    # Adding files never moves existing ones between splits.
    touch(tmp_path, "new.mid")
    third = find_split(tmp_path, validation_percent=10, test_percent=10)
    for name, files in first.files.items():
        assert set(files) <= set(third.files[name])


def test_missing_folder_and_too_few_files(tmp_path: Path) -> None:
    with pytest.raises(SplitError, match="does not exist"):
        find_split(tmp_path / "nope")
    with pytest.raises(SplitError, match="no training MIDI files"):
        find_split(tmp_path)
    touch(tmp_path, "only.mid")
    with pytest.raises(SplitError, match="validation"):
        find_split(tmp_path, validation_percent=0, test_percent=0)
