#!/usr/bin/env bash
# Build PyInstaller's onefile bootloader from source, with pyinit's patch applied.
#
#   packaging/bootloader/build.sh [PYTHON]
#
# PYTHON (default .venv/bin/python) is the interpreter whose PyInstaller builds pyinit: the
# bootloader is built from the sdist of exactly that PyInstaller version (the bootloader and
# PyInstaller's Python side share the archive format). Steps, all inside build/bootloader/:
#   1. pip download the sdist (cached: pyinstaller-VERSION.tar.gz; or PYINIT_PYINSTALLER_SDIST=FILE
#      to use a local copy), check its sha256 when the version is the pinned one;
#   2. unpack only its bootloader/ directory (and the one module its wscript imports), apply packaging/bootloader/pyinit-bootloader.patch;
#   3. build the release bootloader with PyInstaller's own waf (--static-zlib: PyInstaller's
#      bundled zlib, so the result needs only glibc and no libz.so.1 in the image);
#   4. copy it to build/bootloader/run and print that path on stdout (the only stdout line).
# Nothing is installed anywhere: packaging/pyinit.spec uses the file when PYINIT_BOOTLOADER
# names it (scripts/build-binary does that). The pip-installed PyInstaller is not modified.
# A second run with the same version, patch, script and compiler reuses build/bootloader/run.
#
# Needs: gcc (and libc6-dev, which gcc pulls in), patch or git. Exit 1 with a reason on stderr
# if anything fails; scripts/build-binary then falls back to PyInstaller's stock bootloader.
# See packaging/bootloader/README.md for what the patch changes and why.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=${1:-$root/.venv/bin/python}
case $py in /*) ;; */*) py=$PWD/$py ;; esac # waf runs in another directory
out=$root/build/bootloader
patch_file=$here/pyinit-bootloader.patch
# sha256 of PyPI's pyinstaller-6.22.3.tar.gz (the version scripts/build-binary pins)
declare -A SDIST_SHA256=(
  [6.22.3]=05eb2f5615503e72939a7224d68b4aff572c6b0438ee4a17d0a4b481f399362d
)

log() { echo "bootloader: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v gcc >/dev/null || die "no gcc (apt-get install gcc)"
version=$("$py" -c 'import PyInstaller; print(PyInstaller.__version__)') \
  || die "PyInstaller is not importable with $py"
mkdir -p "$out"

# --- reuse a previous build --------------------------------------------------------------
stamp=$( { echo "$version"; cat "$patch_file" "$0"; gcc --version | head -n 1; } | sha256sum | cut -c1-64)
if [ -x "$out/run" ] && [ "$(cat "$out/run.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $out/run (PyInstaller $version, patch unchanged)"
  echo "$out/run"
  exit 0
fi

# --- 1. the sdist ------------------------------------------------------------------------
sdist=${PYINIT_PYINSTALLER_SDIST:-$out/pyinstaller-$version.tar.gz}
if [ ! -f "$sdist" ]; then
  log "downloading the pyinstaller==$version sdist with pip"
  "$py" -m pip download -q --disable-pip-version-check --timeout 30 --retries 2 --no-deps \
    --no-binary pyinstaller \
    -d "$out/download" "pyinstaller==$version" >"$out/download.log" 2>&1 \
    || { tail -n 5 "$out/download.log" >&2; die "pip download of the pyinstaller==$version sdist failed"; }
  mv "$out/download/pyinstaller-$version.tar.gz" "$sdist" \
    || die "pip download gave no pyinstaller-$version.tar.gz"
  rm -rf "$out/download"
fi
expected=${SDIST_SHA256[$version]:-}
if [ -n "$expected" ]; then
  actual=$(sha256sum "$sdist" | cut -c1-64)
  [ "$actual" = "$expected" ] || die "$sdist: sha256 $actual, expected $expected"
else
  log "warning: no known sha256 for pyinstaller $version (pinned: ${!SDIST_SHA256[*]}); pip's own check only"
fi

# --- 2. unpack, patch ----------------------------------------------------------------------
src=$out/src
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$sdist" -C "$src" --strip-components=1 --wildcards "pyinstaller-$version/bootloader/*" \
  "pyinstaller-$version/PyInstaller/_shared_with_waf.py" \
  || die "could not unpack bootloader/ from $sdist"
if command -v patch >/dev/null; then
  patch -d "$src" -p1 --quiet --forward --no-backup-if-mismatch <"$patch_file" \
    || die "$patch_file does not apply to PyInstaller $version"
elif command -v git >/dev/null; then # outside any repository: stop git's search at $out
  (cd "$src" && GIT_CEILING_DIRECTORIES=$out git apply -p1 "$patch_file") \
    || die "$patch_file does not apply to PyInstaller $version"
else
  die "need 'patch' or 'git' to apply $patch_file (apt-get install patch)"
fi

# --- 3. build ------------------------------------------------------------------------------
log "building the patched bootloader (PyInstaller $version, waf)"
(
  cd "$src/bootloader"
  "$py" ./waf --gcc --static-zlib --no-tests configure build_release
) >"$out/waf.log" 2>&1 || { tail -n 20 "$out/waf.log" >&2; die "waf failed (log: $out/waf.log)"; }
built=$src/bootloader/build/release/run
[ -x "$built" ] || die "waf left no $built"

# --- 4. result ------------------------------------------------------------------------------
cp "$built" "$out/run.tmp"
mv -f "$out/run.tmp" "$out/run"
echo "$stamp" >"$out/run.stamp"
log "built $out/run ($(stat -c %s "$out/run") bytes)"
echo "$out/run"
