"""Which MIDI files of a folder are train, validation or test: Groove MIDI's info.csv, else a stable hash."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "validation", "test")
MIDI_SUFFIXES: tuple[str, ...] = (".mid", ".midi")


class SplitError(ValueError):
    """The folder or its split table cannot give a usable train/validation split."""


@dataclass(frozen=True)
class DataSplit:
    """Relative MIDI paths per split, plus where the split came from (for training.json)."""

    root: Path
    source: str
    files: dict[str, list[str]] = field(default_factory=dict)

    def paths(self, split: str) -> list[Path]:
        """Absolute paths of one split's files, in a stable order."""
        return [self.root / name for name in self.files.get(split, [])]

    def counts(self) -> dict[str, int]:
        """Number of files per split."""
        return {name: len(self.files.get(name, [])) for name in SPLITS}

    def to_json(self) -> dict:
        """A JSON-able record of the split (source and file counts, not the lists)."""
        return {"root": str(self.root), "source": self.source, "files": self.counts()}


def _hash_split(relative: str, validation_percent: int, test_percent: int) -> str:
    """A split for one file from a hash of its path, stable across machines and runs."""
    bucket = int.from_bytes(hashlib.sha1(relative.encode()).digest()[:4], "big") % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + validation_percent:
        return "validation"
    return "train"


def _from_info_csv(root: Path, table: Path) -> DataSplit:
    """The split named by a Groove-MIDI-style info.csv (columns midi_filename, split)."""
    files: dict[str, list[str]] = {name: [] for name in SPLITS}
    with table.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"midi_filename", "split"} - set(reader.fieldnames or [])
        if missing:
            raise SplitError(f"{table}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            split = row["split"].strip()
            if split not in files:
                raise SplitError(f"{table}:{line}: split {split!r} is not one of {', '.join(SPLITS)}")
            if (root / row["midi_filename"]).is_file():
                files[split].append(row["midi_filename"])
    for names in files.values():
        names.sort()
    return DataSplit(root=root, source=f"{table.name} split column", files=files)


def find_split(
    midi_dir: str | Path, validation_percent: int = 10, test_percent: int = 10
) -> DataSplit:
    """The train/validation/test split of every MIDI file under `midi_dir`."""
    root = Path(midi_dir).expanduser().resolve()
    if not root.is_dir():
        raise SplitError(f"MIDI folder {midi_dir} does not exist")
    table = root / "info.csv"
    if table.is_file():
        split = _from_info_csv(root, table)
    else:
        if not 0 <= validation_percent <= 50 or not 0 <= test_percent <= 50:
            raise SplitError("validation and test percentages must each be between 0 and 50")
        files: dict[str, list[str]] = {name: [] for name in SPLITS}
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in MIDI_SUFFIXES and path.is_file():
                relative = path.relative_to(root).as_posix()
                files[_hash_split(relative, validation_percent, test_percent)].append(relative)
        split = DataSplit(
            root=root,
            source=f"hash of path ({validation_percent}% validation, {test_percent}% test)",
            files=files,
        )
    counts = split.counts()
    if counts["train"] == 0:
        raise SplitError(f"no training MIDI files (.mid/.midi) under {root}")
    if counts["validation"] == 0:
        raise SplitError(f"no validation MIDI files under {root}: add more files or raise the validation share")
    return split
