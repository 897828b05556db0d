"""A tiny TF V2 checkpoint + SSTable writer for tests (prefix-compressed keys, several data blocks)."""

from __future__ import annotations

import struct

import numpy as np

from bridge.models import protos

MAGIC = 0xDB4775248B80FB57


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _block(entries: list[tuple[bytes, bytes]]) -> bytes:
    out = bytearray()
    previous = b""
    for key, value in entries:
        shared = 0
        while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
            shared += 1
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        out += key[shared:] + value
        previous = key
    out += struct.pack("<I", 0) + struct.pack("<I", 1)  # one restart point at offset 0
    return bytes(out)


def write_table(entries: list[tuple[bytes, bytes]], block_entries: int = 2) -> bytes:
    """An uncompressed SSTable of sorted (key, value) pairs, `block_entries` entries per data block."""
    data = bytearray()
    index = []
    for start in range(0, len(entries), block_entries):
        chunk = entries[start:start + block_entries]
        block = _block(chunk)
        index.append((chunk[-1][0], _varint(len(data)) + _varint(len(block))))
        data += block + b"\x00\x00\x00\x00\x00"
    meta = _block([])
    meta_handle = _varint(len(data)) + _varint(len(meta))
    data += meta + b"\x00" * 5
    index_block = _block(index)
    index_handle = _varint(len(data)) + _varint(len(index_block))
    data += index_block + b"\x00" * 5
    footer = (meta_handle + index_handle).ljust(40, b"\x00") + struct.pack("<Q", MAGIC)
    return bytes(data + footer)


def write_v2(variables: dict[str, np.ndarray]) -> tuple[bytes, bytes]:
    """(.index, .data) bytes of a V2 checkpoint holding float32 variables."""
    data = bytearray()
    entries = [(b"", protos.BundleHeaderProto(num_shards=1).SerializeToString())]
    for name in sorted(variables):
        array = np.ascontiguousarray(variables[name], dtype="<f4")
        entry = protos.BundleEntryProto(dtype=1, offset=len(data), size=array.nbytes)
        for size in array.shape:
            entry.shape.dim.add(size=size)
        data += array.tobytes()
        entries.append((name.encode(), entry.SerializeToString()))
    return write_table(entries), bytes(data)


def bundle_bytes(generator_id: str, checkpoint_files: list[bytes], metagraph: bytes = b"") -> bytes:
    """A GeneratorBundle with the given checkpoint files."""
    bundle = protos.GeneratorBundle()
    bundle.generator_details.id = generator_id
    bundle.generator_details.description = "test bundle"
    for item in checkpoint_files:
        bundle.checkpoint_file.append(item)
    bundle.metagraph_file = metagraph
    return bundle.SerializeToString()
