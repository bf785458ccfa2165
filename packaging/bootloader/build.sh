#!/usr/bin/env bash
# Build a bootloader from its project's source, with pyinit's patch applied.
#
#   packaging/bootloader/build.sh [--staticx] [PYTHON]
#
# Without --staticx: PyInstaller's onefile bootloader (the C program in front of dist/pyinit).
# With --staticx: staticx's bootloader (the one in front of dist/pyinit-static).
# PYTHON (default .venv/bin/python) is the interpreter whose PyInstaller or staticx builds
# pyinit: the bootloader is built from the sdist of exactly that version (a bootloader and its
# package's Python side share the archive format). Steps, all inside build/bootloader/ (or
# build/staticx-bootloader/):
#   1. pip download the sdist (cached: NAME-VERSION.tar.gz; or PYINIT_SDIST=FILE to use a local
#      copy), check its sha256 when the version is a pinned one;
#   2. unpack only the C sources into src/, apply pyinit-bootloader.patch (or
#      staticx-bootloader.patch) from this directory;
#   3. build the release bootloader: PyInstaller's own waf (--static-zlib: its bundled zlib, so
#      the result needs only glibc and no libz.so.1 in the image); for staticx, its few C files
#      with gcc -static against glibc (staticx's own wheels use musl, ~0.8 MB smaller, but
#      musl keeps signals 32-34 for itself, and 34 is SIGRTMIN for every glibc program);
#   4. copy it to OUT/run and print that path on stdout (the only stdout line).
# Nothing is installed anywhere: scripts/build-binary hands the file to PyInstaller
# (PYINIT_BOOTLOADER, read by packaging/pyinit.spec) or to staticx (packaging/run_staticx.py).
# A second run with the same version, patch, script and compiler reuses OUT/run.
#
# Needs: gcc (and libc6-dev, whose libc.a the static build links), patch or git. Exit 1 with a
# reason on stderr if anything fails; scripts/build-binary then falls back to the stock
# bootloader. See packaging/bootloader/README.md for what the patches change and why.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=pyinstaller
if [ "${1:-}" = --staticx ]; then target=staticx; shift; fi
py=${1:-$root/.venv/bin/python}
case $py in /*) ;; */*) py=$PWD/$py ;; esac # the build runs in another directory

# sha256 of the sdists on PyPI of the versions scripts/build-binary pins
declare -A SDIST_SHA256=(
  [pyinstaller-6.22.3]=05eb2f5615503e72939a7224d68b4aff572c6b0438ee4a17d0a4b481f399362d
  [staticx-0.14.2]=bf7d5d35d5777a72b2d4c408eb25f9c61049b28b94a388a012122dba00fffa93
)

log() { echo "bootloader: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$target" = staticx ]; then
  out=$root/build/staticx-bootloader
  patch_file=$here/staticx-bootloader.patch
  cc=$(command -v gcc) || die "no gcc (apt-get install gcc)"
  version_of='import importlib.metadata as m; print(m.version("staticx"))'
  sources=(bootloader libtar libxz)
else
  out=$root/build/bootloader
  patch_file=$here/pyinit-bootloader.patch
  cc=$(command -v gcc) || die "no gcc (apt-get install gcc)"
  version_of='import PyInstaller; print(PyInstaller.__version__)'
  sources=(bootloader PyInstaller/_shared_with_waf.py) # its wscript imports that one module
fi
version=$("$py" -c "$version_of") || die "$target is not installed for $py"
name=$target-$version
mkdir -p "$out"

# --- reuse a previous build --------------------------------------------------------------
stamp=$( { echo "$name"; cat "$patch_file" "$0"; "$cc" --version | head -n 1; } | sha256sum | cut -c1-64)
if [ -x "$out/run" ] && [ "$(cat "$out/run.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $out/run ($name, patch unchanged)"
  echo "$out/run"
  exit 0
fi

# --- 1. the sdist ------------------------------------------------------------------------
sdist=${PYINIT_SDIST:-$out/$name.tar.gz}
if [ ! -f "$sdist" ]; then
  log "downloading the $target==$version sdist with pip"
  "$py" -m pip download -q --disable-pip-version-check --timeout 30 --retries 2 --no-deps \
    --no-binary "$target" -d "$out/download" "$target==$version" >"$out/download.log" 2>&1 \
    || { tail -n 5 "$out/download.log" >&2; die "pip download of the $target==$version sdist failed"; }
  mv "$out/download/$name.tar.gz" "$sdist" || die "pip download gave no $name.tar.gz"
  rm -rf "$out/download"
fi
expected=${SDIST_SHA256[$name]:-}
if [ -n "$expected" ]; then
  actual=$(sha256sum "$sdist" | cut -c1-64)
  [ "$actual" = "$expected" ] || die "$sdist: sha256 $actual, expected $expected"
else
  log "warning: no known sha256 for $name (pinned: ${!SDIST_SHA256[*]}); pip's own check only"
fi

# --- 2. unpack, patch ----------------------------------------------------------------------
src=$out/src
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$sdist" -C "$src" --strip-components=1 "${sources[@]/#/$name/}" \
  || die "could not unpack ${sources[*]} from $sdist"
if command -v patch >/dev/null; then
  patch -d "$src" -p1 --quiet --forward --no-backup-if-mismatch <"$patch_file" \
    || die "$patch_file does not apply to $name"
elif command -v git >/dev/null; then # outside any repository: stop git's search at $out
  (cd "$src" && GIT_CEILING_DIRECTORIES=$out git apply -p1 "$patch_file") \
    || die "$patch_file does not apply to $name"
else
  die "need 'patch' or 'git' to apply $patch_file (apt-get install patch)"
fi

# --- 3. build ------------------------------------------------------------------------------
build_pyinstaller() {
  cd "$src/bootloader"
  "$py" ./waf --gcc --static-zlib --no-tests configure build_release
  cp build/release/run "$out/run.tmp"
}

build_staticx() { # what staticx's SConstruct does for its release bootloader
  cd "$src"
  local flags=(-std=gnu99 -Os -DNDEBUG -Wall -Werror -Wmissing-prototypes -Wstrict-prototypes)
  case $(uname -m) in x86_64 | i?86) flags+=(-DXZ_DEC_X86=1) ;; esac # xz's BCJ filter, as staticx
  "$cc" "${flags[@]}" -static -Ilibtar -Ilibtar/compat -Ilibxz \
    "-DSTATICX_VERSION=\"$version+pyinit\"" "-DCOMPILER_PATH=\"$cc\"" \
    bootloader/{error,elfutil,extract,main,mmap,util}.c \
    libtar/{block,decode,extract,handle,output,util}.c libtar/compat/{strlcpy,strmode}.c \
    libxz/xz_{crc32,dec_lzma2,dec_stream,dec_bcj}.c -o "$out/run.tmp"
}

log "building the patched bootloader ($name, $cc)"
("build_$target") >"$out/build.log" 2>&1 \
  || { tail -n 20 "$out/build.log" >&2; die "the build failed (log: $out/build.log)"; }

# --- 4. result ------------------------------------------------------------------------------
mv -f "$out/run.tmp" "$out/run"
echo "$stamp" >"$out/run.stamp"
log "built $out/run ($(stat -c %s "$out/run") bytes)"
echo "$out/run"
