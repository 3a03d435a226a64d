#!/usr/bin/env bash
# Installs what the browser tests drive: Debian's Chromium, and Noto CJK so Chinese labels render as
# characters rather than boxes in the screenshots. Idempotent: does nothing when both are present.
# Where it cannot install (not root, no passwordless sudo, no apt), it says why and exits 0: the browser
# tests then skip with that reason, and the rest of `make test` still runs.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
FONT_PACKAGE=fonts-noto-cjk

have_font() { dpkg-query -W -f='${Status}' "$FONT_PACKAGE" 2>/dev/null | grep -q "ok installed"; }

if [ -x "$CHROMIUM" ] && have_font; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get on this machine; install Chromium at $CHROMIUM and $FONT_PACKAGE yourself" >&2
    echo "install-browser: the browser tests will be skipped" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install-browser: not root and no passwordless sudo, so cannot apt-get install chromium $FONT_PACKAGE" >&2
    echo "install-browser: the browser tests will be skipped" >&2
    exit 0
fi

echo "install-browser: installing chromium and $FONT_PACKAGE from Debian (once per machine)"
# Wait for another apt/dpkg run (another checkout's tests, unattended upgrades) instead of failing on its lock.
lock_wait=(-o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get "${lock_wait[@]}" update -qq \
       && "${as_root[@]}" apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends chromium "$FONT_PACKAGE"; }; then
    echo "install-browser: apt-get failed (see above); the browser tests will be skipped" >&2
    exit 0
fi
