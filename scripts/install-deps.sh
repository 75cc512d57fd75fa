#!/usr/bin/env bash
# Installs what Reel needs and is missing: Debian's ffmpeg, python3-libtorrent (the test
# peers), chromium (the browser tests), the image build and boot tools, and the npm
# dependencies. Safe to run again: it only acts on what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
/usr/bin/python3 -c 'import libtorrent' >/dev/null 2>&1 || need_apt+=(python3-libtorrent)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
# The player UI's browser tests drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium fonts-dejavu-core)

# The box image: firmware-image/build, scripts/test-image, test/image, test/systemd.
command -v mmdebstrap >/dev/null 2>&1 || need_apt+=(mmdebstrap)
command -v arch-test >/dev/null 2>&1 || need_apt+=(arch-test)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
command -v qemu-system-aarch64 >/dev/null 2>&1 || need_apt+=(qemu-system-arm)
command -v qemu-img >/dev/null 2>&1 || need_apt+=(qemu-utils)
command -v update-binfmts >/dev/null 2>&1 || need_apt+=(qemu-user-static binfmt-support)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need_apt+=(ovmf)
[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || need_apt+=(qemu-efi-aarch64)
command -v sfdisk >/dev/null 2>&1 || need_apt+=(fdisk)
command -v debugfs >/dev/null 2>&1 || need_apt+=(e2fsprogs)
command -v mkfs.fat >/dev/null 2>&1 || need_apt+=(dosfstools)
command -v mcopy >/dev/null 2>&1 || need_apt+=(mtools)
command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
command -v zstd >/dev/null 2>&1 || need_apt+=(zstd)
command -v xz >/dev/null 2>&1 || need_apt+=(xz-utils)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
# WebRTC NAT test: two homes behind MASQUERADE in network namespaces.
command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)

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
