#!/usr/bin/env bash
# Create the TensorFlow + Magenta interpreter `drumbridge train` runs its trainer under (never a
# drumbridge dependency): .venv-train by default, found automatically by `drumbridge train`.
# Usage: scripts/train_venv.sh [VENV_DIR]   (needs Python 3.11 and network; same recipe as DESIGN.md)
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/magenta_venv.sh "${1:-.venv-train}"
