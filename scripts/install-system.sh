#!/usr/bin/env bash
# Install the Debian/Ubuntu packages drumbridge needs (JACK, OSC tools, socat, AVR toolchain, simavr).
# Idempotent: does nothing when every package is already there. Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  python3-venv python3-dev build-essential pkg-config
  jackd2 libjack-jackd2-dev libasound2-dev patch
  liblo-tools socat
  gcc-avr avr-libc arduino-core-avr arduino-builder
  simavr libsimavr-dev libelf-dev
  avrdude
  chromium tesseract-ocr tesseract-ocr-eng
)

if [[ "$(uname -s)" != "Linux" ]]; then
  echo "install-system: not Linux; install JACK/liblo/socat/avr-gcc by hand (see README)" >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
echo "install-system: installing ${missing[*]}" >&2
# jackd2 asks about realtime priority through debconf; answer for it.
echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
