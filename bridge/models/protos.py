"""Protobuf message classes for Magenta bundles and TensorFlow checkpoints, built with the descriptor API.

This module is the only copy of the schemas: the tables below list each message's fields with
Magenta's (generator.proto) and TensorFlow's (tensor_slice/saved_tensor_slice/tensor_bundle/meta_graph)
field numbers, for the parts a bundle uses. Building them at import time from a
FileDescriptorProto instead of committing protoc output keeps drumbridge free of gencode/runtime
version pins: it needs only `descriptor_pool` and `message_factory.GetMessageClass`, so it works with
the project's protobuf floor (4.25) up to 7.x (tested with 7.36.2).
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "string": _F.TYPE_STRING, "bytes": _F.TYPE_BYTES, "int32": _F.TYPE_INT32, "int64": _F.TYPE_INT64,
    "bool": _F.TYPE_BOOL, "float": _F.TYPE_FLOAT, "double": _F.TYPE_DOUBLE, "fixed32": _F.TYPE_FIXED32,
}

# message -> [(field, number, type, repeated)]; a type that is not a scalar names a message in the package.
_MAGENTA = {
    "GeneratorDetails": [("id", 1, "string", False), ("description", 2, "string", False)],
    "BundleDetails": [("description", 1, "string", False)],
    "GeneratorBundle": [
        ("generator_details", 1, "GeneratorDetails", False),
        ("checkpoint_file", 2, "bytes", True),  # one TF V1 checkpoint file (V2: .index then .data)
        ("metagraph_file", 3, "bytes", False),
        ("bundle_details", 4, "BundleDetails", False),
    ],
}

# TensorFlow's messages; unknown fields are skipped when parsing.
_TF = {
    "Dim": [("size", 1, "int64", False), ("name", 2, "string", False)],
    "TensorShapeProto": [("dim", 2, "Dim", True), ("unknown_rank", 3, "bool", False)],
    "Extent": [("start", 1, "int64", False), ("length", 2, "int64", False)],  # no length: the whole dimension
    "TensorSliceProto": [("extent", 1, "Extent", True)],
    "TensorProto": [  # dtype: DataType enum, 1 DT_FLOAT, 2 DT_DOUBLE, 3 DT_INT32, 9 DT_INT64
        ("dtype", 1, "int32", False), ("tensor_shape", 2, "TensorShapeProto", False),
        ("tensor_content", 4, "bytes", False), ("float_val", 5, "float", True),
        ("double_val", 6, "double", True), ("int_val", 7, "int32", True), ("int64_val", 10, "int64", True),
    ],
    # V1 checkpoints (saved_tensor_slice.proto): an SSTable whose "" key holds the meta and whose other keys
    # hold one slice of one variable each.
    "SavedSliceMeta": [
        ("name", 1, "string", False), ("shape", 2, "TensorShapeProto", False),
        ("type", 3, "int32", False), ("slice", 4, "TensorSliceProto", True),
    ],
    "SavedTensorSliceMeta": [("tensor", 1, "SavedSliceMeta", True)],
    "SavedSlice": [("name", 1, "string", False), ("slice", 2, "TensorSliceProto", False),
                   ("data", 3, "TensorProto", False)],
    "SavedTensorSlices": [("meta", 1, "SavedTensorSliceMeta", False), ("data", 2, "SavedSlice", False)],
    # Same wire format, but the packed float/double arrays are taken as raw bytes (np.frombuffer is
    # ~100x faster than iterating a repeated float field); unpacked data falls back to TensorProto.
    "PackedTensorProto": [
        ("dtype", 1, "int32", False), ("tensor_shape", 2, "TensorShapeProto", False),
        ("tensor_content", 4, "bytes", False), ("float_val", 5, "bytes", True), ("double_val", 6, "bytes", True),
    ],
    "PackedSavedSlice": [("name", 1, "string", False), ("slice", 2, "TensorSliceProto", False),
                         ("data", 3, "PackedTensorProto", False)],
    "PackedSavedTensorSlices": [("data", 2, "PackedSavedSlice", False)],
    # V2 checkpoints (tensor_bundle.proto): the .index SSTable maps each variable name to where its raw bytes
    # sit in the .data shard; the "" key holds a BundleHeaderProto.
    "BundleHeaderProto": [("num_shards", 1, "int32", False), ("endianness", 2, "int32", False)],
    "BundleEntryProto": [
        ("dtype", 1, "int32", False), ("shape", 2, "TensorShapeProto", False), ("shard_id", 3, "int32", False),
        ("offset", 4, "int64", False), ("size", 5, "int64", False), ("crc32c", 6, "fixed32", False),
        ("slices", 7, "TensorSliceProto", True),
    ],
    # Just enough of a MetaGraphDef to read the graph's state and input shapes; the repeated *Entry fields
    # are maps on the wire.
    "ShapeList": [("shape", 7, "TensorShapeProto", True)],
    "AttrValue": [("list", 1, "ShapeList", False), ("shape", 7, "TensorShapeProto", False)],
    "AttrEntry": [("key", 1, "string", False), ("value", 2, "AttrValue", False)],
    "NodeDef": [("name", 1, "string", False), ("op", 2, "string", False), ("attr", 5, "AttrEntry", True)],
    "GraphDef": [("node", 1, "NodeDef", True)],
    "NodeList": [("value", 1, "string", True)],
    "CollectionDef": [("node_list", 1, "NodeList", False)],
    "CollectionEntry": [("key", 1, "string", False), ("value", 2, "CollectionDef", False)],
    "MetaGraphDef": [("graph_def", 2, "GraphDef", False), ("collection_def", 4, "CollectionEntry", True)],
}


def _build(file_name: str, package: str, schema: dict[str, list[tuple[str, int, str, bool]]]) -> dict[str, type]:
    """Message classes for one schema, registered in a private pool (no clash with TF's own protos)."""
    file_proto = descriptor_pb2.FileDescriptorProto(name=file_name, package=package, syntax="proto3")
    for message_name, fields in schema.items():
        message = file_proto.message_type.add(name=message_name)
        for field_name, number, type_name, repeated in fields:
            field = message.field.add(name=field_name, number=number)
            field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            if type_name in _SCALARS:
                field.type = _SCALARS[type_name]
            else:
                field.type = _F.TYPE_MESSAGE
                field.type_name = f".{package}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    classes = {}
    for message_name in schema:
        descriptor = pool.FindMessageTypeByName(f"{package}.{message_name}")
        classes[message_name] = message_factory.GetMessageClass(descriptor)
    return classes


_magenta = _build("drumbridge/magenta_generator.proto", "magenta", _MAGENTA)
_tf = _build("drumbridge/tf_checkpoint.proto", "drumbridge.tf", _TF)

GeneratorBundle = _magenta["GeneratorBundle"]
GeneratorDetails = _magenta["GeneratorDetails"]
TensorProto = _tf["TensorProto"]
TensorShapeProto = _tf["TensorShapeProto"]
SavedTensorSlices = _tf["SavedTensorSlices"]
PackedSavedTensorSlices = _tf["PackedSavedTensorSlices"]
BundleHeaderProto = _tf["BundleHeaderProto"]
BundleEntryProto = _tf["BundleEntryProto"]
MetaGraphDef = _tf["MetaGraphDef"]
