#!/usr/bin/env bash
# Installs what Reel needs and is missing: Debian's ffmpeg, python3-libtorrent (the test
# peers) and chromium (the browser tests), and the npm dependencies. Safe to run again: it only acts on what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
/usr/bin/python3 -c 'import libtorrent' >/dev/null 2>&1 || need_apt+=(python3-libtorrent)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
# The player UI's browser tests drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium fonts-dejavu-core)

if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# npm ci when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
