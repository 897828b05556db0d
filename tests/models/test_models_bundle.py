"""Reading bundles: layouts, hyper-parameters, V1/V2 checkpoints, the SSTable reader and clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bridge.models import BundleError, Model, UnsupportedModelError, protos
from bridge.models.bundle import canonical_name, load_network
from bridge.models.checkpoint import read_v1
from bridge.models.sstable import SSTable
from tests.models.models_ckpt_writer import bundle_bytes, write_table, write_v2
from tests.models.models_refdata import BUNDLES, MIDI, as_events, load_model, reference


@pytest.mark.parametrize(
    ("name", "layout", "layers", "attn"),
    [
        ("drum_kit_small_first", "first", (24, 16), 8),
        ("drum_kit_small_wrapped", "wrapped", (16, 24, 20), 6),
        ("drum_kit_noattn", "plain", (16,), 0),
        ("one_drum_small", "plain", (12, 12), 0),
        ("basic_rnn_small", "plain", (16, 16), 0),
        ("lookback_rnn_small", "plain", (20, 12), 0),
        ("attention_rnn_small_first", "first", (16, 16), 5),
        ("attention_rnn_small_wrapped", "wrapped", (12, 16), 7),
        ("drum_kit_default", "first", (256, 256, 256), 32),
    ],
)
def test_hyper_parameters_are_read_from_the_bundle(name, layout, layers, attn) -> None:
    info = load_model(name).info
    ref = reference(name)
    assert (info.generator_id, info.layout, info.layer_sizes, info.attn_length) == (
        ref["generator_id"], layout, layers, attn)
    assert info.attn_length_source == ("metagraph" if attn else "none")
    assert info.parameter_count == sum(int(np.prod(s)) for s in ref["variables"].values())


def test_default_drum_kit_size() -> None:
    info = load_model("drum_kit_default").info
    assert (info.input_size, info.num_classes, info.steps_per_quarter) == (518, 512, 4)


def _bundle(name: str):
    bundle = protos.GeneratorBundle()
    bundle.ParseFromString((BUNDLES / f"{name}.mag").read_bytes())
    return bundle


def _variables(name: str) -> dict[str, np.ndarray]:
    return read_v1(_bundle(name).checkpoint_file[0])


def test_v2_checkpoint_gives_the_same_numbers_as_v1() -> None:
    name = "attention_rnn_small_wrapped"
    bundle = _bundle(name)
    index, data = write_v2(_variables(name))
    network, config, info = load_network(bundle_bytes("attention_rnn", [index, data], bundle.metagraph_file))
    assert info.checkpoint_format == "TF V2"
    model = Model(network, config, info)
    entry = reference(name)["files"]["melody_simple.mid"]
    score = model.score(entry["extracted"])
    assert np.abs(score.step_log_probs - np.array(entry["step_log_probs"])).max() <= 1e-4


def test_attention_length_falls_back_to_the_generator_default_without_metagraph() -> None:
    index, data = write_v2(_variables("drum_kit_small_first"))
    _, _, info = load_network(bundle_bytes("drum_kit", [index, data]))
    assert info.attn_length == 32
    assert "default" in info.attn_length_source


def test_tf1_variable_names_are_normalised() -> None:
    assert canonical_name("rnn/AttentionCellWrapper/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix") == \
        "rnn/attention_cell_wrapper/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"
    assert canonical_name("fully_connected/weights") == "fully_connected/kernel"
    assert canonical_name("rnn/AttentionCellWrapper/AttnOutputProjection/Linear/Bias") == \
        "rnn/attention_cell_wrapper/attn_output_projection/bias"


def test_sstable_reads_prefix_compressed_keys_across_blocks() -> None:
    entries = [(f"layer/{i:03d}/kernel".encode(), bytes([i]) * i) for i in range(1, 40)]
    table = write_table(entries, block_entries=3)
    assert [(k, bytes(v)) for k, v in SSTable(table)] == entries


def test_sstable_rejects_bad_magic_and_compression() -> None:
    table = bytearray(write_table([(b"a", b"1")]))
    with pytest.raises(BundleError, match="magic"):
        SSTable(bytes(table[:-1] + b"\x00"))
    table[13] = 1  # compression byte after the first data block: entry 3+1+1 bytes, restarts 8 bytes
    with pytest.raises(BundleError, match="compression"):
        list(SSTable(bytes(table)))


def test_corrupt_file_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "junk.mag"
    path.write_bytes(b"\xff\xfe not a protobuf at all \x00\x01")
    with pytest.raises(BundleError, match="junk.mag"):
        Model.load(path)


def test_truncated_checkpoint_is_a_clear_error() -> None:
    bundle = _bundle("basic_rnn_small")
    checkpoint = bundle.checkpoint_file[0]
    with pytest.raises(BundleError, match="checkpoint|table"):
        load_network(bundle_bytes("basic_rnn", [checkpoint[: len(checkpoint) // 2]], bundle.metagraph_file))


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(BundleError, match="cannot read bundle"):
        Model.load(tmp_path / "nope.mag")


def test_wrong_generator_id_names_it_and_the_supported_ones() -> None:
    bundle = _bundle("drum_kit_small_first")
    bundle.generator_details.id = "performance_with_dynamics"
    with pytest.raises(UnsupportedModelError, match="performance_with_dynamics.*drums_rnn/drum_kit"):
        load_network(bundle.SerializeToString())


def test_generator_id_that_does_not_fit_the_network_is_refused() -> None:
    bundle = _bundle("drum_kit_small_first")
    bundle.generator_details.id = "basic_rnn"
    with pytest.raises(UnsupportedModelError, match="518 inputs.*basic_rnn"):
        load_network(bundle.SerializeToString())


def test_missing_variable_is_named() -> None:
    variables = _variables("lookback_rnn_small")
    del variables["fully_connected/biases"]
    with pytest.raises(UnsupportedModelError, match="missing variable fully_connected/bias"):
        load_network(bundle_bytes("lookback_rnn", list(write_v2(variables))))


def test_bad_shape_is_reported_with_shapes() -> None:
    variables = _variables("drum_kit_noattn")
    variables["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"] = np.zeros((100, 64), np.float32)
    with pytest.raises(UnsupportedModelError, match=r"shape|inputs"):
        load_network(bundle_bytes("drum_kit", list(write_v2(variables))))


def test_loading_never_imports_tensorflow() -> None:
    code = ("import sys; from bridge.models import Model; "
            f"Model.load(r'{BUNDLES / 'attention_rnn_small_first.mag'}'); "
            "print(any(m.split('.')[0] in ('tensorflow', 'magenta', 'note_seq') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_reference_midi_files_exist() -> None:
    assert (MIDI / "drums_groove.mid").exists()
    assert as_events([[36]], True) == [frozenset({36})]


@pytest.mark.parametrize(("variable", "shape", "message"), [
    ("rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/attn_v", (7,), "attn_v has shape"),
    ("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias", (60,), "cell_1 bias has shape"),
    ("rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/kernel", (40, 24), "attention kernel has shape"),
])
def test_bad_attention_and_cell_shapes_name_the_variable(variable, shape, message) -> None:
    bundle = _bundle("drum_kit_small_first")
    variables = _variables("drum_kit_small_first")
    variables[variable] = np.zeros(shape, np.float32)
    with pytest.raises(UnsupportedModelError, match=message):
        load_network(bundle_bytes("drum_kit", list(write_v2(variables)), bundle.metagraph_file))
