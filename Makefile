# The two commands a newcomer needs: `make demo` and `make test`.
# Both install what is missing (apt packages, a local venv) and are fast when everything is there.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_STAMP := $(VENV)/.system-installed
PIP_STAMP := $(VENV)/.pip-installed

.PHONY: demo test lint setup system venv rtmidi firmware bench model model-groove clean

demo: setup
	$(PY) -m bridge demo

test: setup lint
	$(PY) -m pytest -q $(PYTEST_ARGS)

# ruff (style, imports, likely bugs) on all Python; mypy (types) on the engine and the dashboard. Both read pyproject.toml.
LINT_PATHS ?= bridge tui tests bench scripts

lint: setup
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m mypy

setup: system venv rtmidi

system: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): scripts/install-system.sh
	bash scripts/install-system.sh
	@mkdir -p $(VENV) && touch $@

venv: $(PIP_STAMP)

$(PIP_STAMP): pyproject.toml $(SYSTEM_STAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# python-rtmidi rebuilt against the system libjack, with its JACK input patched (see the script). Runs every
# time: it checks its own stamp and the installed module in well under a second.
rtmidi: venv
	bash scripts/build-rtmidi.sh $(PY)

firmware: system
	$(MAKE) -C firmware

BENCHES ?= clock model drum firmware osc dashboard faults groove

# Each benchmark prints one JSON object; results also land in bench/results/NAME.json.
bench: setup
	@mkdir -p bench/results
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(PY) bench/$$b.py | tee bench/results/$$b.json || exit 1; done

# Rebuild the shipped drum model bridge/models/builtin/drums.mag (+ training.json) from the Groove MIDI
# Dataset (GROOVE_DIR). Training runs under a TF + Magenta interpreter: TRAIN_PYTHON, or .venv-train
# (scripts/train_venv.sh), or /work/magenta-venv. Resumable: rerun after an interruption.
GROOVE_DIR ?= ../shared/data/groove-midi
TRAIN_PYTHON ?=

model: setup model-groove
	$(PY) scripts/make_model.py --midi-dir $(GROOVE_DIR) $(if $(TRAIN_PYTHON),--python $(TRAIN_PYTHON),)

# Rebuild the shipped groove model bridge/groove/builtin/groove.npz (+ groove.json) from GROOVE_DIR: numpy only,
# seeded, a few minutes on one core. Its figures go into bridge/groove/GROOVE.md.
model-groove: setup
	OPENBLAS_NUM_THREADS=1 $(PY) -m bridge groove train --midi-dir $(GROOVE_DIR) --out bridge/groove/builtin/groove.npz \
		--cache .model-work/groove-performances.npz

clean:
	rm -rf $(VENV) firmware/build
