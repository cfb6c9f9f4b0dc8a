#!/usr/bin/env bash
# Install the Debian packages the pipeline needs, only those that are missing.
# Usage: scripts/ensure-system.sh PACKAGE...   (a second run with everything present takes well under a second)
set -euo pipefail

missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get is not available here. Install these (or your system's equivalents) and re-run:" >&2
    echo "  ${missing[*]}" >&2
    echo "  (Python 3.11+ with venv, ffmpeg with libass and libx264, Noto fonts, Apertium with the eng-spa, hbs-eng, es-pt, fr-es, es-ro pairs, espeak-ng, Enchant 2 with Hunspell dictionaries)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: need root to install: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists unless they are recent (an hour): a stale list can name removed versions.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
    $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages installed" >&2
