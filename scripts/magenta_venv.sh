#!/usr/bin/env bash
# Create a reference virtualenv with TensorFlow + Magenta 2.1.4 (never a drumbridge dependency).
# Used only to regenerate the model reference data: scripts/magenta_reference.py.
# Usage: scripts/magenta_venv.sh [VENV_DIR]   (default /work/magenta-venv); needs Python 3.11 and network.
set -euo pipefail

VENV="${1:-/work/magenta-venv}"
PYTHON="${PYTHON:-python3.11}"

if [[ -f "$VENV/READY" ]]; then
  echo "magenta_venv: $VENV is ready" >&2
  exit 0
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# Magenta 2.1.4 pins TensorFlow 2.9.1, which has no Python 3.11 wheels; these versions work with
# TF_USE_LEGACY_KERAS=1 and tf.compat.v1 graphs, which is all the RNN generators need.
"$VENV/bin/python" -m pip install -q tensorflow-cpu==2.21.0 tf-keras==2.21.0 tf-slim \
  tensorflow-probability note-seq==0.0.5
"$VENV/bin/python" -m pip install -q --no-deps magenta==2.1.4
TF_USE_LEGACY_KERAS=1 "$VENV/bin/python" -c \
  "import magenta.models.drums_rnn.drums_rnn_sequence_generator, magenta.models.melody_rnn.melody_rnn_sequence_generator"
touch "$VENV/READY"
echo "magenta_venv: ready; run scripts with TF_USE_LEGACY_KERAS=1 $VENV/bin/python" >&2
