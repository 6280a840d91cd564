#!/usr/bin/env bash
# Installs the Debian packages firstline needs to build, test and serve.
# Idempotent: packages already present are skipped; runs apt-get only when
# something is missing (as root, or through sudo when available).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libfmt-dev libspdlog-dev libcli11-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk curl
  # QR posters of places (SVG and PDF)
  libqrencode-dev libcairo2-dev fontconfig libxml2-utils
  # CAP 1.2 documents and the Atom feed of warnings (xmlTextWriter; schema validation in tests)
  libxml2-dev
  # browser tests (web/tests): headless Chromium, and CJK fonts so screenshots show Chinese
  chromium fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
