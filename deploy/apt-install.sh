#!/usr/bin/env bash
# Installs the Debian packages the portal uses outside Python, once per machine:
#   fonts-noto-cjk  the CJK font the PDF reports embed (`portal report`, the report buttons), and the browser
#                   tests' screenshots show Chinese with
#   chromium        what the browser tests drive
# Usage: bash deploy/apt-install.sh PACKAGE...   (`make demo` asks for the font, `make test` for both)
# Idempotent: does nothing when every package named is installed. Where it cannot install (not root, no
# passwordless sudo, no apt), it says why and exits 0: what needs the package then says so itself (the
# report names the package; the browser tests skip with the reason), and the rest still runs.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
for package in "$@"; do
    installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-install: no apt-get on this machine; install ${missing[*]} yourself" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "apt-install: not root and no passwordless sudo, so cannot apt-get install ${missing[*]}" >&2
    exit 0
fi

echo "apt-install: installing ${missing[*]} from Debian (once per machine)"
# Wait for another apt/dpkg run (another checkout's tests, unattended upgrades) instead of failing on its lock.
lock_wait=(-o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get "${lock_wait[@]}" update -qq \
       && "${as_root[@]}" apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}"; }; then
    echo "apt-install: apt-get failed (see above)" >&2
fi
exit 0
