"""Writing a record's lines so that a failing disk (full, read-only, unplugged) leaves only whole lines behind."""

from __future__ import annotations

import os
from pathlib import Path


class LineSink:
    """An append-only file of complete lines; after a write error it keeps what was whole and refuses the rest."""

    def __init__(self, path: str | Path, overwrite: bool) -> None:
        self.path = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        self._fd: int | None = os.open(self.path, flags, 0o644)
        self.good_bytes = 0  # bytes of complete lines on disk
        self.lines = 0
        self.error: OSError | None = None

    @property
    def closed(self) -> bool:
        return self._fd is None

    def write(self, lines: list[str]) -> bool:
        """Append whole lines; False (and `error` set, the file cut back to its last whole line) when the disk fails."""
        if self._fd is None or self.error is not None or not lines:
            return self.error is None
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError as error:
            self.error = error
            whole = data.rfind(b"\n", 0, written) + 1  # lines that made it completely
            self.good_bytes += whole
            self.lines += data.count(b"\n", 0, whole)
            self._cut_back()
            return False
        self.good_bytes += len(data)
        self.lines += len(lines)
        return True

    def _cut_back(self) -> None:
        """Drop a half-written last line, so a reader sees whole lines only."""
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, self.good_bytes)
        except OSError:
            pass  # a read-only file system cannot be truncated; the reader skips a broken last line

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            os.close(self._fd)
        except OSError as error:  # NFS and full disks can report the failure only here
            self.error = self.error or error
        self._fd = None
