#!/usr/bin/env bash
# The arm64 frozen builds, made on an x86-64 machine: what `scripts/build-binary --arch arm64`
# runs (build-binary hands over all its arguments).
#
#   scripts/build-binary --arch arm64 [--compress] [--stock-bootloader] [--no-smoke]
#
# writes dist/pyinit-arm64 (onefile), dist/pyinit-onedir-arm64/ and dist/pyinit-static-arm64:
# always all three (--onedir, --static and --all are accepted and change nothing).
#
# PyInstaller cannot cross-build: it bundles the Python that runs it. So scripts/build-binary
# --all itself runs, unchanged, in an arm64 Debian 12 root filesystem (packaging/arm64/rootfs.sh)
# under qemu-user-static, with the qemu-aarch64 binfmt handler held by packaging/arm64/binfmt.py
# (registered only if none is, removed again if it added it). In that root the compiler is the
# x86-64 cross gcc (rootfs.sh says why), so only Python and PyInstaller run emulated. Python
# packages come from PyPI through the host's pip (arm64 wheels, downloaded once); staticx has no
# arm64 wheel and is built from its sdist inside, offline.
#
# Caches, all under /var/cache/pyinit (PYINIT_CACHE), so a fresh clone reuses them:
#   arm64-rootfs-HASH/  the root filesystem (HASH: rootfs.sh)
#   arm64-work-HASH/    per root filesystem: wheels, the venv, the bootloader builds, a copy of
#                       the sources (a source change reruns only PyInstaller and staticx)
#   arm64-dist-KEY/     the three results, KEY = sha256 of every file under pyinit/ and
#                       packaging/, scripts/build-binary, the options and the rootfs: a second
#                       run with the same inputs copies them into dist/ and is done.
# Measured on 2 cores shared with other builds (load 2.5-3): 4 min 3 s cold from a clean clone
# and an empty cache (root filesystem 45 s, venv 48 s, the three builds 127 s); 2 min 19 s after
# a source change; 0.2 s with the same inputs.
# Needs (scripts/setup installs them): qemu-user-static, mmdebstrap, arch-test, root.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here=$root/packaging/arm64
cache=${PYINIT_CACHE:-/var/cache/pyinit}
export PYINIT_CACHE=$cache

say() { echo "build-binary: arm64: $*"; }
die() { echo "build-binary: arm64: error: $*" >&2; exit 1; }

passthrough=()
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ $# -ge 2 ] || die "--arch needs a value: --arch arm64"; arch=$2; shift ;;
    --arch=*) arch=${1#--arch=} ;;
    --onedir | --static | --all) ;;
    --compress | --stock-bootloader | --no-smoke) passthrough+=("$1") ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "build-binary: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case ${arch:-} in
  arm64 | aarch64) ;;
  *) echo "build-binary: --arch takes arm64, not '${arch:-}' (the default build is for this machine)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (binfmt_misc, chroot)"

PYINSTALLER_REQ=${PYINIT_PYINSTALLER_REQ:-$(sed -n 's/^PYINSTALLER_REQ=\${PYINIT_PYINSTALLER_REQ:-\(.*\)}$/\1/p' scripts/build-binary)}
STATICX_REQ=${PYINIT_STATICX_REQ:-$(sed -n 's/^STATICX_REQ=\${PYINIT_STATICX_REQ:-\(.*\)}$/\1/p' scripts/build-binary)}
[ -n "$PYINSTALLER_REQ" ] && [ -n "$STATICX_REQ" ] || die "could not read the PyInstaller and staticx pins from scripts/build-binary"

rootfs_hash=$(sha256sum "$here/rootfs.sh" | cut -c1-16)
key=$( {
  find pyinit packaging scripts/build-binary -type f ! -name '*.pyc' ! -path '*/__pycache__/*' \
    -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  echo "options ${passthrough[*]} $PYINSTALLER_REQ $STATICX_REQ rootfs $rootfs_hash"
} | sha256sum | cut -c1-16)
out=$cache/arm64-dist-$key

install_results() { # copy the cached results into dist/ (each renamed into place when whole)
  mkdir -p dist
  cp "$out/pyinit-arm64" dist/.pyinit-arm64.tmp && mv -f dist/.pyinit-arm64.tmp dist/pyinit-arm64
  cp "$out/pyinit-static-arm64" dist/.pyinit-static-arm64.tmp
  mv -f dist/.pyinit-static-arm64.tmp dist/pyinit-static-arm64
  rm -rf dist/.pyinit-onedir-arm64.tmp
  cp -a "$out/pyinit-onedir-arm64" dist/.pyinit-onedir-arm64.tmp
  rm -rf dist/pyinit-onedir-arm64
  mv dist/.pyinit-onedir-arm64.tmp dist/pyinit-onedir-arm64
  for f in dist/pyinit-arm64 dist/pyinit-static-arm64; do
    say "$f: $(stat -c %s "$f") bytes, sha256 $(sha256sum "$f" | cut -c1-16)…"
  done
  say "dist/pyinit-onedir-arm64: $(du -sb dist/pyinit-onedir-arm64 | cut -f1) bytes in $(find dist/pyinit-onedir-arm64 -type f | wc -l) files"
}

rootfs=$cache/arm64-rootfs-$rootfs_hash
if [ -f "$out/.complete" ] && [ -f "$rootfs/.complete" ]; then
  mkdir -p build
  ln -sfn "$rootfs" build/arm64-rootfs # tests/test_arm64.py takes busybox and glibc from here
  install_results
  say "reused $out (same inputs)"
  exit 0
fi

# --- cold: everything below runs with the qemu-aarch64 handler registered ---------------------
if [ "${_PYINIT_ARM64_HELD:-}" != 1 ]; then
  command -v python3 >/dev/null || die "no python3 (apt-get install python3)"
  python3 "$here/binfmt.py" check >&2 || die "arm64 emulation cannot be set up here (see above)"
  _PYINIT_ARM64_HELD=1 exec python3 "$here/binfmt.py" run bash "$0" --arch arm64 "${passthrough[@]}"
fi
start=$SECONDS
rootfs=$(bash "$here/rootfs.sh") || die "no arm64 root filesystem (see above)"
mkdir -p build
ln -sfn "$rootfs" build/arm64-rootfs # tests/test_arm64.py takes busybox and glibc from here
work=$cache/arm64-work-$rootfs_hash
wheels=$work/src/.wheels # seen as /src/.wheels inside
mkdir -p "$wheels" "$work/sdists"
exec 9>"$work.lock"
flock 9 # one build per work folder at a time

# Host-side Python for the downloads (the emulated pip is many times slower).
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with ${PYTHON:-python3}"
  "${PYTHON:-python3}" -m venv .venv || die "could not create .venv (apt-get install python3-venv)"
fi
hostpy=.venv/bin/python
pyver=$(readlink "$rootfs/usr/bin/python3") # python3.11
pyver=${pyver#python}
reqs=(pip "$PYINSTALLER_REQ" "psutil>=5.8" pyelftools setuptools wheel scons)
stamp=$(printf '%s\n' "$pyver" "${reqs[@]}" "$STATICX_REQ" | sha256sum | cut -c1-16)
if [ "$(cat "$wheels/.stamp" 2>/dev/null)" != "$stamp" ]; then
  say "downloading arm64 wheels for Python $pyver: ${reqs[*]}; the $STATICX_REQ sdist"
  "$hostpy" -m pip download -q --disable-pip-version-check -d "$wheels" --only-binary :all: \
    --platform manylinux2014_aarch64 --platform "manylinux_2_36_aarch64" \
    --python-version "$pyver" --implementation cp --abi "cp${pyver/./}" --abi abi3 --abi none \
    "${reqs[@]}" >"$work/download.log" 2>&1 \
    || { tail -n 5 "$work/download.log" >&2; die "pip download of the arm64 wheels failed (log: $work/download.log)"; }
  "$hostpy" -m pip download -q --disable-pip-version-check -d "$wheels" --no-deps \
    --no-binary :all: "$STATICX_REQ" >>"$work/download.log" 2>&1 \
    || { tail -n 5 "$work/download.log" >&2; die "pip download of the $STATICX_REQ sdist failed (log: $work/download.log)"; }
  echo "$stamp" >"$wheels/.stamp"
fi

# The sources, fresh; the venv and build/ (bootloader caches) stay from the last run.
rm -rf "$work/src/pyinit" "$work/src/packaging" "$work/src/scripts" "$work/src/dist"
mkdir -p "$work/src/scripts" "$work/src/build/bootloader" "$work/src/build/staticx-bootloader"
cp -a pyinit packaging "$work/src/"
cp -a scripts/build-binary "$work/src/scripts/"
# The bootloader sdists: the same files the x86-64 build downloads (build.sh checks their
# sha256); pip inside the root is offline.
for req in "$PYINSTALLER_REQ" "$STATICX_REQ"; do
  name=${req%%==*} version=${req#*==}
  dir=$work/src/build/bootloader
  [ "$name" = staticx ] && dir=$work/src/build/staticx-bootloader
  if [ ! -f "$dir/$name-$version.tar.gz" ]; then
    if [ ! -f "$work/sdists/$name-$version.tar.gz" ]; then
      "$hostpy" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$work/sdists" "$req" >>"$work/download.log" 2>&1 \
        || die "pip download of the $req sdist failed (log: $work/download.log)"
    fi
    cp "$work/sdists/$name-$version.tar.gz" "$dir/"
  fi
done

# in_root CMD...: run CMD in the arm64 root, $work/src at /src, offline. STATICX_LDD: staticx
# runs ldd with PATH removed from its environment, so it would not find the one in /usr/local/bin
# that knows the arm64 loader (rootfs.sh).
in_root() {
  mkdir -p "$rootfs/src"
  unshare --mount --fork -- sh -c '
    set -e
    mount -t proc proc "$0/proc"
    mount --rbind /dev "$0/dev"
    mount --bind "$1" "$0/src"
    root=$0; shift
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 PIP_NO_INDEX=1 PIP_FIND_LINKS=/src/.wheels \
      PIP_DISABLE_PIP_VERSION_CHECK=1 SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1700000000}" \
      STATICX_LDD=/usr/local/bin/ldd \
      /bin/bash -c "cd /src && exec \"\$@\"" bash "$@"
  ' "$rootfs" "$work/src" "$@"
}

# The venv inside the root: PyInstaller and psutil wheels, staticx from its sdist (its
# bootloader is built with the cross gcc; pyinit's patched one replaces it anyway).
venv_ok='import PyInstaller, psutil, staticx'
if ! in_root .venv/bin/python -c "$venv_ok" 2>/dev/null; then
  say "making the arm64 venv (offline, from $wheels)"
  t=$SECONDS
  rm -rf "$work/src/.venv"
  in_root bash -c '
    set -e
    python3 -m venv --without-pip .venv # no python3-venv:arm64 here (rootfs.sh)
    export PATH=/src/.venv/bin:$PATH    # staticx'"'"'s setup.py runs scons
    pip_wheel=$(ls /src/.wheels/pip-*.whl | tail -n 1)
    .venv/bin/python "$pip_wheel/pip" install -q --no-index --find-links /src/.wheels \
      pip "$1" "psutil>=5.8" pyelftools setuptools wheel scons
    .venv/bin/python -m pip install -q --no-index --find-links /src/.wheels --no-build-isolation "$2"
  ' bash "$PYINSTALLER_REQ" "$STATICX_REQ" >"$work/venv.log" 2>&1 \
    || { tail -n 20 "$work/venv.log" >&2; die "the arm64 venv could not be made (log: $work/venv.log)"; }
  say "venv made in $((SECONDS - t)) s"
fi

say "running scripts/build-binary --all ${passthrough[*]} in $rootfs (emulated)"
t=$SECONDS
if ! in_root bash scripts/build-binary --all "${passthrough[@]}" 2>&1 | sed -u 's/^/  [arm64] /'; then
  die "the build inside the arm64 root failed (see above; logs in $work/src/build/)"
fi
say "inner build took $((SECONDS - t)) s"

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$work/src/dist/pyinit" "$out.tmp/pyinit-arm64"
cp "$work/src/dist/pyinit-static" "$out.tmp/pyinit-static-arm64"
cp -a "$work/src/dist/pyinit-onedir" "$out.tmp/pyinit-onedir-arm64"
touch "$out.tmp/.complete"
rm -rf "$out"
mv "$out.tmp" "$out"
install_results
say "done in $((SECONDS - start)) s (cached in $out)"
