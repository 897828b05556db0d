"""Load a Magenta `.mag` bundle: GeneratorBundle protobuf -> checkpoint variables -> a runnable Network.

Hyper-parameters come from the bundle itself: layer sizes, attention width, input and class counts
from the variable shapes; the attention length from the metagraph's initial-state shapes (it has no
variable of its own); the encoding from the generator id. Variable names are normalised first so the
TF 1.0-era spellings (`AttentionCellWrapper`, `Cell0`, `BasicLSTMCell`, `Linear/Matrix`, `weights`)
map onto the TF >= 1.2 ones Magenta 2.x writes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
from google.protobuf.message import DecodeError

from bridge.models import protos
from bridge.models.checkpoint import read_checkpoint
from bridge.models.configs import CONFIGS, SUPPORTED, GeneratorConfig
from bridge.models.errors import BundleError, UnsupportedModelError
from bridge.models.lstm import Network, NetworkShape

_RENAMES = [
    (r"AttentionCellWrapper", "attention_cell_wrapper"),
    (r"MultiRNNCell", "multi_rnn_cell"),
    (r"(^|/)Cell(\d+)(?=/)", r"\1cell_\2"),
    (r"BasicLSTMCell", "basic_lstm_cell"),
    (r"/Attention/", "/attention/"),
    (r"AttnW$", "attn_w"),
    (r"AttnV$", "attn_v"),
    (r"AttnOutputProjection", "attn_output_projection"),
    (r"/Linear/Matrix$", "/kernel"),
    (r"/Linear/Bias$", "/bias"),
    (r"/(weights|Matrix)$", "/kernel"),
    (r"/(biases|Bias)$", "/bias"),
]
_LSTM = re.compile(r"^rnn/(attention_cell_wrapper/)?multi_rnn_cell/cell_(\d+)/(attention_cell_wrapper/)?"
                   r"basic_lstm_cell/(kernel|bias)$")


def canonical_name(name: str) -> str:
    """A checkpoint variable name in TF >= 1.2 spelling."""
    for pattern, replacement in _RENAMES:
        name = re.sub(pattern, replacement, name)
    return name


@dataclass(frozen=True)
class ModelInfo:
    """What `drumbridge model info` prints about a bundle."""

    path: str
    generator_id: str
    model: str
    description: str
    bundle_description: str
    layout: str
    layer_sizes: tuple[int, ...]
    attn_length: int
    attn_length_source: str
    input_size: int
    num_classes: int
    steps_per_quarter: int
    parameter_count: int
    checkpoint_format: str


def read_bundle_proto(data: bytes, path: str = "bundle"):
    """Parse the GeneratorBundle message, with a clear error for anything that is not one."""
    bundle = protos.GeneratorBundle()
    try:
        bundle.ParseFromString(data)
    except DecodeError as error:
        raise BundleError(f"{path}: not a Magenta GeneratorBundle ({error})") from None
    if not bundle.generator_details.id:
        raise BundleError(f"{path}: no generator id in the bundle (not a Magenta .mag file?)")
    if not bundle.checkpoint_file:
        raise BundleError(f"{path}: bundle '{bundle.generator_details.id}' holds no checkpoint")
    return bundle


def _take(variables: dict[str, np.ndarray], name: str, generator_id: str) -> np.ndarray:
    if name not in variables:
        found = ", ".join(sorted(variables)) or "none"
        raise UnsupportedModelError(f"bundle '{generator_id}': missing variable {name}; found: {found}")
    return variables[name]


def _network_weights(variables: dict[str, np.ndarray], generator_id: str) -> tuple[str, dict[str, np.ndarray]]:
    """Detect the layout and map checkpoint variables to the Network's canonical weight names."""
    lstm: dict[int, dict[str, np.ndarray]] = {}
    layout = "plain"
    for name, value in variables.items():
        match = _LSTM.match(name)
        if not match:
            continue
        wrapped_all, index, wrapped_cell, part = match.groups()
        lstm.setdefault(int(index), {})[part] = value
        if wrapped_all:
            layout = "wrapped"
        elif wrapped_cell:
            if index != "0":
                raise UnsupportedModelError(f"bundle '{generator_id}': attention wrapper on cell {index}; "
                                            "only cell 0 (Magenta 2.x) or the whole stack is supported")
            layout = "first"
    if not lstm:
        raise UnsupportedModelError(f"bundle '{generator_id}': no LSTM cells found "
                                    "(expected rnn/multi_rnn_cell/cell_N/basic_lstm_cell/kernel)")
    weights: dict[str, np.ndarray] = {}
    for i in range(len(lstm)):
        if i not in lstm or set(lstm[i]) != {"kernel", "bias"}:
            raise UnsupportedModelError(f"bundle '{generator_id}': missing variable for LSTM cell {i} "
                                        f"(kernel and bias), found cells {sorted(lstm)}")
        weights[f"lstm{i}/kernel"] = lstm[i]["kernel"]
        weights[f"lstm{i}/bias"] = lstm[i]["bias"]
    if layout != "plain":
        prefix = "rnn/attention_cell_wrapper/" if layout == "wrapped" else \
            "rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/"
        parts = {
            "attn/in_kernel": "kernel", "attn/in_bias": "bias",
            "attn/attn_w": "attention/attn_w", "attn/attn_v": "attention/attn_v",
            "attn/query_kernel": "attention/kernel", "attn/query_bias": "attention/bias",
            "attn/out_kernel": "attn_output_projection/kernel", "attn/out_bias": "attn_output_projection/bias",
        }
        for key, suffix in parts.items():
            weights[key] = _take(variables, prefix + suffix, generator_id)
    weights["softmax/kernel"] = _take(variables, "fully_connected/kernel", generator_id)
    weights["softmax/bias"] = _take(variables, "fully_connected/bias", generator_id)
    return layout, weights


def _check_2d(weights: dict[str, np.ndarray], key: str, generator_id: str) -> None:
    if weights[key].ndim != 2:
        raise UnsupportedModelError(f"bundle '{generator_id}': {key} has shape {weights[key].shape}, expected 2-D")


def _state_sizes(metagraph: bytes) -> list[int] | None:
    """Widths of the flattened initial RNN state, from the metagraph's `_output_shapes` (None if absent)."""
    if not metagraph:
        return None
    graph = protos.MetaGraphDef()
    try:
        graph.ParseFromString(metagraph)
    except DecodeError:
        return None
    names = []
    for entry in graph.collection_def:
        if entry.key == "initial_state":
            names = [n.split(":")[0] for n in entry.value.node_list.value]
    if not names:
        return None
    nodes = {node.name: node for node in graph.graph_def.node if node.name in names}
    sizes = []
    for name in names:
        node = nodes.get(name)
        shape = None
        if node is not None:
            for attr in node.attr:
                if attr.key == "_output_shapes" and attr.value.list.shape:
                    shape = attr.value.list.shape[0]
        if shape is None or not shape.dim:
            return None
        sizes.append(int(shape.dim[-1].size))
    return sizes


def _attention_length(sizes: list[int] | None, layout: str, attn_size: int, config: GeneratorConfig,
                      generator_id: str) -> tuple[int, str]:
    """Attention length from the flattened state widths: the attention memory is attn_size * length wide."""
    if sizes:
        position = 3 if layout == "first" else len(sizes) - 1
        if position < len(sizes) and sizes[position] % attn_size == 0 and sizes[position] > 0:
            return sizes[position] // attn_size, "metagraph"
        raise UnsupportedModelError(f"bundle '{generator_id}': metagraph state sizes {sizes} do not hold an "
                                    f"attention memory of width {attn_size} (layout {layout})")
    if not config.default_attn_length:
        raise UnsupportedModelError(f"bundle '{generator_id}': has attention but no metagraph to read its "
                                    "length from")
    return config.default_attn_length, f"default for {generator_id} (no metagraph shapes)"


def load_network(data: bytes, path: str = "bundle") -> tuple[Network, GeneratorConfig, ModelInfo]:
    """Parse bundle bytes into a ready Network, its generator config and a summary."""
    bundle = read_bundle_proto(data, path)
    generator_id = bundle.generator_details.id
    config = CONFIGS.get(generator_id)
    if config is None:
        raise UnsupportedModelError(f"{path}: generator id '{generator_id}' is not supported; "
                                    f"supported: {SUPPORTED}")
    raw = read_checkpoint(list(bundle.checkpoint_file))
    variables = {canonical_name(name): value for name, value in raw.items()}
    layout, weights = _network_weights(variables, generator_id)
    for key in weights:
        if key.endswith("kernel"):
            _check_2d(weights, key, generator_id)
    layers = sum(1 for key in weights if key.startswith("lstm") and key.endswith("/bias"))
    layer_sizes = tuple(int(weights[f"lstm{i}/kernel"].shape[1]) // 4 for i in range(layers))
    attn_size = {"plain": 0, "first": layer_sizes[0], "wrapped": layer_sizes[-1]}[layout]
    encoder = config.make_encoder()
    if layout == "plain":
        input_size = weights["lstm0/kernel"].shape[0] - layer_sizes[0]
        attn_length, source = 0, "none"
    else:
        input_size = weights["attn/in_kernel"].shape[0] - attn_size
        attn_length, source = _attention_length(_state_sizes(bundle.metagraph_file), layout,
                                                attn_size, config, generator_id)
    num_classes = int(weights["softmax/bias"].shape[0])
    if input_size != encoder.input_size or num_classes != encoder.num_classes:
        raise UnsupportedModelError(
            f"bundle '{generator_id}': network has {input_size} inputs and {num_classes} classes, but the "
            f"{generator_id} encoding has {encoder.input_size} inputs and {encoder.num_classes} classes")
    shape = NetworkShape(layout, layer_sizes, attn_length, input_size, num_classes)
    try:
        network = Network(shape, weights)
    except ValueError as error:  # a matmul of mismatched shapes while folding weights
        shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in weights.items())
        raise UnsupportedModelError(f"bundle '{generator_id}': variable shapes do not fit together ({error}); "
                                    f"found {shapes}") from None
    info = ModelInfo(
        path=path, generator_id=generator_id, model=config.model,
        description=bundle.generator_details.description, bundle_description=bundle.bundle_details.description,
        layout=layout, layer_sizes=layer_sizes, attn_length=attn_length, attn_length_source=source,
        input_size=input_size, num_classes=num_classes, steps_per_quarter=config.steps_per_quarter,
        parameter_count=network.parameter_count,
        checkpoint_format="TF V1" if len(bundle.checkpoint_file) == 1 else "TF V2")
    return network, config, info


def read_bundle_file(path: str | os.PathLike) -> bytes:
    """Bytes of a bundle file, with a clear error when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise BundleError(f"cannot read bundle {path}: {error.strerror or error}") from None
