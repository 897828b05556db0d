"""Read TensorFlow checkpoints (V1 single-file and V2 index+data) into numpy arrays, without TensorFlow.

Magenta bundles hold a V1 checkpoint (`Saver(write_version=V1)`): one SSTable whose empty key maps
to a `SavedTensorSlices{meta}` listing every variable (name, shape, dtype, slices) and whose other
keys each hold a `SavedTensorSlices{data: SavedSlice{name, slice, TensorProto}}` with the values
(packed `float_val`). A V2 checkpoint is an `.index` SSTable of `BundleEntryProto` (dtype, shape,
offset and size in the `.data` shard, raw little-endian bytes) plus the data file; a bundle holding
two checkpoint files is read that way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from bridge.models import protos
from bridge.models.errors import BundleError
from bridge.models.sstable import SSTable

# TensorFlow DataType enum values drumbridge reads.
_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype("<f4"), 2: np.dtype("<f8"), 3: np.dtype("<i4"), 9: np.dtype("<i8")}
_DTYPE_NAMES = {1: "float32", 2: "float64", 3: "int32", 9: "int64"}


def read_checkpoint(files: list[bytes]) -> dict[str, np.ndarray]:
    """Variables of a checkpoint given as the bundle's checkpoint_file list (V1: 1 file, V2: index+data)."""
    if len(files) == 1:
        return read_v1(files[0])
    if len(files) == 2:
        index, data = files
        try:
            SSTable(index)
        except BundleError:
            index, data = data, index
        return read_v2(index, [data])
    raise BundleError(f"bundle holds {len(files)} checkpoint files; expected 1 (TF V1 checkpoint) "
                      "or 2 (TF V2 .index + .data)")


def _shape(shape_proto) -> tuple[int, ...]:
    return tuple(int(d.size) for d in shape_proto.dim)


def _parse(message_class, value: memoryview, what: str):
    message = message_class()
    try:
        message.ParseFromString(bytes(value))
    except DecodeError as error:
        raise BundleError(f"checkpoint: cannot parse {what}: {error}") from None
    return message


def _slice_index(slice_proto, shape: tuple[int, ...], name: str) -> tuple[slice, ...]:
    """numpy index for a TensorSliceProto (an extent without a length is the whole dimension)."""
    extents = list(slice_proto.extent)
    if not extents:
        return tuple(slice(None) for _ in shape)
    if len(extents) != len(shape):
        raise BundleError(f"checkpoint: slice of {name} has {len(extents)} dims, variable has {len(shape)}")
    index = []
    for extent, size in zip(extents, shape):
        # TF marks "whole dimension" by leaving `length` unset; an empty extent never occurs in practice.
        if extent.length:
            start, stop = int(extent.start), int(extent.start + extent.length)
        else:
            start, stop = 0, size
        if not 0 <= start <= stop <= size:
            raise BundleError(f"checkpoint: slice [{start}, {stop}) of {name} is outside its shape {shape}")
        index.append(slice(start, stop))
    return tuple(index)


def _tensor_values(packed, type_code: int, name: str, value: memoryview) -> np.ndarray:
    """Flat values of a V1 SavedSlice's TensorProto (its dtype is the meta's; the slice leaves it unset)."""
    dtype = _DTYPES[type_code]
    if packed.tensor_content:
        return np.frombuffer(packed.tensor_content, dtype=dtype)
    if type_code == 1 and packed.float_val:
        return np.frombuffer(b"".join(packed.float_val), dtype=dtype)
    if type_code == 2 and packed.double_val:
        return np.frombuffer(b"".join(packed.double_val), dtype=dtype)
    # Unpacked or integer values: parse with the regular field types.
    full = _parse(protos.SavedTensorSlices, value, f"slice of {name}").data.data
    source = {1: full.float_val, 2: full.double_val, 3: full.int_val, 9: full.int64_val}[type_code]
    return np.array(source, dtype=dtype)


def read_v1(data: bytes) -> dict[str, np.ndarray]:
    """Variables of a V1 (SavedTensorSlices) checkpoint file."""
    meta = None
    variables: dict[str, np.ndarray] = {}
    filled: dict[str, int] = {}
    type_codes: dict[str, int] = {}
    for key, value in SSTable(data, "V1 checkpoint"):
        if key == b"":
            meta = _parse(protos.SavedTensorSlices, value, "checkpoint meta").meta
            for tensor in meta.tensor:
                dtype = _DTYPES.get(tensor.type)
                if dtype is not None:
                    variables[tensor.name] = np.zeros(_shape(tensor.shape), dtype=dtype)
                    filled[tensor.name] = 0
                    type_codes[tensor.name] = tensor.type
            continue
        if meta is None:
            raise BundleError("V1 checkpoint: data entry before the meta entry (corrupt file)")
        saved = _parse(protos.PackedSavedTensorSlices, value, "checkpoint slice").data
        name = saved.name
        if name not in variables:
            continue
        target = variables[name]
        index = _slice_index(saved.slice, target.shape, name)
        region = target[index]
        values = _tensor_values(saved.data, type_codes[name], name, value)
        if values.size != region.size:
            raise BundleError(f"checkpoint: variable {name} slice holds {values.size} values, "
                              f"expected {region.size} for shape {region.shape}")
        target[index] = values.reshape(region.shape)
        filled[name] += values.size
    if meta is None:
        raise BundleError("V1 checkpoint: no meta entry (not a TensorFlow V1 checkpoint)")
    for name, count in filled.items():
        if count < variables[name].size:
            raise BundleError(f"checkpoint: variable {name} has {count} of {variables[name].size} values "
                              "(truncated or corrupt checkpoint)")
    return variables


def read_v2(index: bytes, shards: list[bytes]) -> dict[str, np.ndarray]:
    """Variables of a V2 checkpoint: the .index table and its .data shards."""
    variables: dict[str, np.ndarray] = {}
    for key, value in SSTable(index, "V2 checkpoint index"):
        if key == b"":
            continue
        name = key.decode("utf-8", "replace")
        entry = _parse(protos.BundleEntryProto, value, f"index entry {name}")
        dtype = _DTYPES.get(entry.dtype)
        if dtype is None:
            continue
        if entry.slices:
            raise BundleError(f"checkpoint: partitioned variable {name} is not supported")
        if entry.shard_id >= len(shards):
            raise BundleError(f"checkpoint: {name} is in shard {entry.shard_id}; bundle has {len(shards)}")
        shard = shards[entry.shard_id]
        shape = _shape(entry.shape)
        if entry.offset + entry.size > len(shard) or entry.size != int(np.prod(shape)) * dtype.itemsize:
            raise BundleError(f"checkpoint: {name} ({_DTYPE_NAMES[entry.dtype]} {shape}) does not fit "
                              f"its data bytes [{entry.offset}, {entry.offset + entry.size})")
        raw = shard[entry.offset:entry.offset + entry.size]
        variables[name] = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return variables
