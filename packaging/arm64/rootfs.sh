#!/usr/bin/env bash
# Make (or reuse) the arm64 Debian 12 root filesystem the arm64 frozen builds are made in.
#
#   packaging/arm64/rootfs.sh      prints the folder's path (the only stdout line)
#
# The folder is /var/cache/pyinit/arm64-rootfs-HASH, HASH being the sha256 of this file: the
# recipe below is its only input, so a fresh clone reuses it. It is made by mmdebstrap from
# Debian's packages, with qemu-user-static running the arm64 maintainer scripts (the caller
# holds the binfmt handler: packaging/arm64/binfmt.py run), into a temporary folder renamed
# into place only once complete. Measured here: ~6.5 min on 2 busy cores.
#
# What it holds and why:
# - arm64: python3 (+ -dev for the shared libpython PyInstaller bundles, + -venv), libc6-dev,
#   patchelf (staticx), busybox-static (the arm64 container tests take it from here);
# - amd64: the cross compiler gcc-aarch64-linux-gnu and its binutils, linked as gcc, cc,
#   strip, objdump, ... in /usr/local/bin. In this multi-arch root the x86-64 compiler runs at
#   native speed while Python runs emulated: the bootloaders (packaging/bootloader/build.sh,
#   unchanged) build in seconds instead of ~5 minutes, and PyInstaller's strip is native too.
#   (An arm64 gcc/binutils cannot sit beside them: same package names, same files.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PYINIT_CACHE:-/var/cache/pyinit}
hash=$(sha256sum "$here/rootfs.sh" | cut -c1-16)
dest=$cache/arm64-rootfs-$hash

log() { echo "arm64-rootfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
ARM64=(python3 python3-dev python3-venv libc6-dev patchelf busybox-static)
AMD64=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross)
TOOLS=(gcc cc strip objdump objcopy readelf ld ar nm ranlib)

mkdir -p "$cache"
exec 9>"$dest.lock"
flock 9 # one maker at a time; the others then find it made
if [ -x "$dest/usr/bin/python3" ] && [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap arch-test)"
command -v arch-test >/dev/null || die "arch-test is not installed (apt-get install arch-test)"

tmp=$dest.tmp
rm -rf "$tmp"
start=$SECONDS
log "making $dest with mmdebstrap (${ARM64[*]}; amd64: ${AMD64[*]})"
links=""
for t in "${TOOLS[@]}"; do
  target=aarch64-linux-gnu-$t
  [ "$t" = cc ] && target=aarch64-linux-gnu-gcc
  links+="ln -sf /usr/bin/$target \"\$1/usr/local/bin/$t\"; "
done
include=$(IFS=,; echo "${ARM64[*]},${AMD64[*]/%/:amd64}")
mmdebstrap --quiet --architectures=arm64,amd64 --variant=essential --include="$include" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="mkdir -p \"\$1/usr/local/bin\"; $links" \
  "$SUITE" "$tmp" "$MIRROR" >&2 \
  || { rm -rf "$tmp"; die "mmdebstrap failed (is the qemu-aarch64 binfmt handler registered? packaging/arm64/binfmt.py run ...)"; }
touch "$tmp/.complete"
mv "$tmp" "$dest"
log "made $dest in $((SECONDS - start)) s ($(du -sm "$dest" | cut -f1) MB)"
echo "$dest"
