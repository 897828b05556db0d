"""Reader for the LevelDB-style SSTable that TensorFlow checkpoints are stored in.

Both checkpoint formats use it: a V1 checkpoint file is one table, a V2 checkpoint's `.index` is one.
The format (tensorflow/core/lib/io/table_format.txt, same as LevelDB):

    [data block 1] ... [data block N] [meta-index block] [index block] [footer]

- footer: the last 48 bytes: two BlockHandles (meta-index, index), each a varint64 offset and a
  varint64 size, zero padding up to 40 bytes, then the 8-byte magic 0xdb4775248b80fb57 (little endian);
- a block on disk is its contents followed by a 5-byte trailer: one compression-type byte
  (0 = none; TensorFlow writes checkpoints uncompressed) and a masked CRC32C (not checked here; a
  corrupt file is caught by bounds checks, protobuf parsing and the shape checks of the callers);
- block contents: entries, then an array of uint32 restart offsets, then their count (uint32);
- an entry: varint32 shared-prefix length, varint32 unshared length, varint32 value length, the
  unshared key bytes (appended to the first `shared` bytes of the previous key), the value;
- the index block maps the last key of each data block to that block's BlockHandle.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from bridge.models.errors import BundleError

FOOTER_SIZE = 48
MAGIC = 0xDB4775248B80FB57
BLOCK_TRAILER_SIZE = 5


def read_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Decode a little-endian base-128 varint at `pos`; return (value, next position)."""
    result = 0
    shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise BundleError("checkpoint table: truncated or invalid varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


class SSTable:
    """An SSTable held in memory; iterate it for (key, value) pairs in key order."""

    def __init__(self, data: bytes, what: str = "checkpoint table") -> None:
        self._data = memoryview(data)
        self._what = what
        if len(data) < FOOTER_SIZE:
            raise BundleError(f"{what}: {len(data)} bytes, too short for an SSTable footer")
        footer = self._data[len(data) - FOOTER_SIZE:]
        (magic,) = struct.unpack("<Q", footer[40:48])
        if magic != MAGIC:
            raise BundleError(f"{what}: bad table magic {magic:#018x} (expected {MAGIC:#018x}); "
                              "not a TensorFlow checkpoint")
        pos = 0
        _, pos = read_varint(footer, pos)
        _, pos = read_varint(footer, pos)
        index_offset, pos = read_varint(footer, pos)
        index_size, pos = read_varint(footer, pos)
        self._index = self._block(index_offset, index_size)

    def _block(self, offset: int, size: int) -> memoryview:
        """Contents of the block at a handle, after checking bounds and compression."""
        end = offset + size
        if offset < 0 or size < 0 or end + BLOCK_TRAILER_SIZE > len(self._data):
            raise BundleError(f"{self._what}: block [{offset}, {end}) is outside the file ({len(self._data)} bytes)")
        compression = self._data[end]
        if compression != 0:
            raise BundleError(f"{self._what}: block compression type {compression} is not supported "
                              "(TensorFlow writes checkpoints uncompressed, type 0)")
        return self._data[offset:end]

    def _entries(self, block: memoryview) -> Iterator[tuple[bytes, memoryview]]:
        """Entries of one block, keys reconstructed from their shared prefixes."""
        if len(block) < 4:
            raise BundleError(f"{self._what}: block of {len(block)} bytes is too short")
        (num_restarts,) = struct.unpack("<I", block[len(block) - 4:])
        limit = len(block) - 4 * (num_restarts + 1)
        if limit < 0:
            raise BundleError(f"{self._what}: block restart count {num_restarts} does not fit its block")
        pos = 0
        key = b""
        while pos < limit:
            shared, pos = read_varint(block, pos)
            unshared, pos = read_varint(block, pos)
            value_len, pos = read_varint(block, pos)
            if shared > len(key) or pos + unshared + value_len > limit:
                raise BundleError(f"{self._what}: corrupt block entry at offset {pos}")
            key = key[:shared] + bytes(block[pos:pos + unshared])
            pos += unshared
            yield key, block[pos:pos + value_len]
            pos += value_len

    def __iter__(self) -> Iterator[tuple[bytes, memoryview]]:
        for _, handle in self._entries(self._index):
            offset, pos = read_varint(handle, 0)
            size, _ = read_varint(handle, pos)
            yield from self._entries(self._block(offset, size))
