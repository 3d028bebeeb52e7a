#!/usr/bin/env bash
# What `make test` needs beyond Python: Debian's headless Chromium (the dashboard's browser test,
# tests/app/test_browser.py) and npm (Solara's front-end files, python -m sim.app.assets).
# Installs them through apt-get when missing and this user may install (root, or sudo without a
# password); otherwise stops at once with one line saying what to install. MUSCAT_NO_INSTALL=1 never
# installs; MUSCAT_CHROMIUM=/path/to/headless-chromium uses another browser.
set -euo pipefail
CHROMIUM="${MUSCAT_CHROMIUM:-/usr/lib/chromium/chromium-headless-shell}"
packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium chromium-headless-shell)
command -v npm >/dev/null 2>&1 || packages+=(npm)
[ ${#packages[@]} -eq 0 ] && exit 0
how="apt-get install -y ${packages[*]}"
if [ "${MUSCAT_NO_INSTALL:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(none); fi
  if [ "${sudo[0]:-}" != none ]; then
    echo "make test: installing ${packages[*]} (Debian packages, for the dashboard's browser test and front-end files)" >&2
    "${sudo[@]}" apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
    exit 0
  fi
fi
echo "make test needs ${packages[*]}: run 'sudo $how' (Debian/Ubuntu), or set MUSCAT_CHROMIUM=/path/to/headless-chromium if yours is elsewhere" >&2
exit 2
