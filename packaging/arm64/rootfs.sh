#!/usr/bin/env bash
# Make (or reuse) the arm64 Debian 12 root filesystem the arm64 frozen builds are made in.
#
#   packaging/arm64/rootfs.sh      prints the folder's path (the only stdout line)
#
# The folder is /var/cache/pyinit/arm64-rootfs-HASH, HASH being the sha256 of this file: the
# recipe below is its only input, so a fresh clone reuses it. It is made by mmdebstrap from
# Debian's packages, with qemu-user-static running the arm64 maintainer scripts (the caller
# holds the binfmt handler: packaging/arm64/binfmt.py run), into a temporary folder renamed
# into place only once complete. Measured here: 45-120 s on 2 shared cores.
#
# What it holds and why: a root whose own (native) architecture is amd64, with arm64 as a
# foreign one (Debian multiarch):
# - arm64: python3 and python3-dev (the shared libpython PyInstaller bundles), libc6-dev,
#   busybox-static (the arm64 container tests take busybox and glibc from here). Only these run
#   emulated. (python3-venv:arm64 is not installable beside amd64: it depends on an
#   Architecture: all wheel package; build.sh makes the venv --without-pip and runs pip from
#   its wheel.)
# - amd64, at native speed: the shell tools, patch, patchelf (either architecture's edits any
#   ELF file) and the cross compiler gcc-aarch64-linux-gnu with its binutils, linked as gcc,
#   cc, strip, ... in /usr/local/bin: the bootloaders (packaging/bootloader/build.sh, as is)
#   build in seconds, not ~6 minutes emulated, and PyInstaller's strip runs natively too.
#   An amd64 cross compiler inside an arm64-native root is not installable (its Architecture:
#   all dependencies count as arm64 there); hence this way round.
# - /usr/local/bin/ldd: Debian's ldd with the arm64 loader added to the loaders it tries
#   (PyInstaller asks ldd for the libraries of libpython and the extension modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PYINIT_CACHE:-/var/cache/pyinit}
hash=$(sha256sum "$here/rootfs.sh" | cut -c1-16)
dest=$cache/arm64-rootfs-$hash

log() { echo "arm64-rootfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
ARM64=(python3 python3-dev libc6-dev busybox-static)
AMD64=(patch patchelf gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross)
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
log "making $dest with mmdebstrap (arm64: ${ARM64[*]}; amd64: ${AMD64[*]}; log: $dest.log)"
include=$(IFS=,; echo "${ARM64[*]/%/:arm64},${AMD64[*]}")
mmdebstrap --quiet --architectures=amd64,arm64 --variant=essential --include="$include" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' "$SUITE" "$tmp" "$MIRROR" >"$dest.log" 2>&1 \
  || { tail -n 20 "$dest.log" >&2; rm -rf "$tmp"; die "mmdebstrap failed (log: $dest.log)"; }
mkdir -p "$tmp/usr/local/bin"
for t in "${TOOLS[@]}"; do
  target=aarch64-linux-gnu-$t
  [ "$t" = cc ] && target=aarch64-linux-gnu-gcc
  ln -sf "/usr/bin/$target" "$tmp/usr/local/bin/$t"
done
sed 's|^RTLDLIST="\(.*\)"$|RTLDLIST="\1 /lib/ld-linux-aarch64.so.1"|' "$tmp/usr/bin/ldd" \
  >"$tmp/usr/local/bin/ldd"
chmod 755 "$tmp/usr/local/bin/ldd"
grep -q 'ld-linux-aarch64' "$tmp/usr/local/bin/ldd" || die "$tmp/usr/bin/ldd has no RTLDLIST line to extend"
touch "$tmp/.complete"
mv "$tmp" "$dest"
log "made $dest in $((SECONDS - start)) s ($(du -sm "$dest" | cut -f1) MB)"
echo "$dest"
