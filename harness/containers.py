"""Real containers for the tests and the demo: podman + runc, a hand-built rootfs, no Python in it.

What this module does, and why:

* ``write_containers_conf`` writes a ``containers.conf`` with the two settings podman needs on this
  host (see DEVELOPERS.md): ``[containers] default_ulimits = []`` (podman's default raises
  ``RLIMIT_NOFILE`` above the hard limit this sandbox allows, and runc then fails with
  "error setting rlimit type 7: operation not permitted") and ``[engine] runtime = "runc"``.
  Every podman call made through :class:`Podman` runs with ``CONTAINERS_CONF`` pointing at it, and
  ``podman run`` always gets ``--ulimit host`` (inherit the host's limits, set no new ones).
* ``build_rootfs`` makes a root filesystem in a folder: busybox-static with one symlink per applet,
  glibc's loader and every shared library the binary needs (``ldd`` of the binary and of the
  ELF files bundled inside a PyInstaller onefile archive), copied from the host, and no Python.
  The result is what ``podman run --rootfs DIR`` boots, and it is the hand-built twin of the
  ``Dockerfile.example`` runtime stage.
* ``build_rootfs(..., arch="arm64")`` makes the same for a foreign architecture: busybox, the
  loader and the libraries come from that architecture's Debian root filesystem (``SYSROOTS``;
  for arm64 the one ``scripts/build-binary --arch arm64`` makes and links at build/arm64-rootfs),
  resolved from the ELF files' own PT_INTERP and DT_NEEDED entries (pyelftools) the way Debian's
  loader searches, since the host's ``ldd`` cannot run them. Running the result needs the qemu
  binfmt handler (packaging/arm64/binfmt.py).
* ``copy_into_rootfs`` is the hook for extra files (e.g. a later test that runs
  ``podman exec CTR /pyinit doctor`` needs nothing more, but a test that wants another tool or a
  config file in the image can drop it in with this).
* ``podman_unavailable_reason`` says, in one sentence, why podman cannot run containers here
  (``None`` when it can); the tests skip with that reason.

Also usable from the shell, in the repository root (``scripts/demo`` does this)::

    .venv/bin/python -m harness.containers conf DIR          # writes DIR/containers.conf
    .venv/bin/python -m harness.containers rootfs DIR [BIN]  # builds a rootfs, BIN at /pyinit
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO / "dist" / "pyinit"
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
# Where the binary lives inside the test rootfs; Dockerfile.example uses /usr/local/bin/pyinit,
# and the tests put a copy there too so both spellings work.
PYINIT_IN_ROOTFS = "/pyinit"
PYINIT_IN_IMAGE = "/usr/local/bin/pyinit"


@dataclass(frozen=True)
class Arch:
    """A foreign architecture whose binaries the tests run under qemu-user."""

    name: str  # Debian's name: arm64
    multiarch: str  # its library folder on Debian: /usr/lib/<multiarch>
    qemu: str  # qemu-user-static's interpreter, runs its busybox to list the applets
    sysroot: Path  # a Debian root filesystem of it: busybox, the loader, libraries


ARCHES = {
    "arm64": Arch(
        "arm64", "aarch64-linux-gnu", "qemu-aarch64-static", REPO / "build" / "arm64-rootfs"
    ),
}

CONTAINERS_CONF_TEXT = """\
# Written by harness/containers.py; see DEVELOPERS.md for why each line is here.
[containers]
# podman's default raises RLIMIT_NOFILE past this host's hard limit; runc then refuses to start.
default_ulimits = []

[engine]
runtime = "runc"
"""

T = TypeVar("T")


class PodmanError(RuntimeError):
    """A podman command failed; the message holds the command, exit code and stderr."""


def write_containers_conf(directory: Path) -> Path:
    """Write ``containers.conf`` with the two settings podman needs here; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "containers.conf"
    path.write_text(CONTAINERS_CONF_TEXT)
    return path


def find_busybox() -> Path | None:
    """Return a statically linked busybox from the host, or None."""
    for candidate in BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file() and not needed_libraries(path):
            return path
    return None


_LDD_LINE = re.compile(r"^\s*(?:(\S+)\s+=>\s+)?(\S+)\s+\(0x[0-9a-f]+\)\s*$")


def needed_libraries(
    binary: Path,
    extra_env: dict[str, str] | None = None,
    provided: Collection[str] = (),
) -> list[Path]:
    """Absolute paths of the shared libraries (and loader) ``ldd`` resolves for ``binary``.

    Returns ``[]`` for a static binary. Raises ``RuntimeError`` when a library cannot be found,
    unless its name is in ``provided`` (shipped next to the binary, found at run time).
    """
    env = dict(os.environ)
    if extra_env:
        env.update(extra_env)
    proc = subprocess.run(
        ["ldd", str(binary)], capture_output=True, text=True, env=env, check=False
    )
    out = proc.stdout + proc.stderr
    if "not a dynamic executable" in out or "statically linked" in out:
        return []
    libs: list[Path] = []
    missing: list[str] = []
    for line in proc.stdout.splitlines():
        if "=> not found" in line:
            if line.split()[0] not in provided:
                missing.append(line.split()[0])
            continue
        match = _LDD_LINE.match(line)
        if match and match.group(2).startswith("/"):
            libs.append(Path(match.group(2)))
    if missing:
        raise RuntimeError(f"ldd {binary}: libraries not found: {', '.join(missing)}")
    return libs


def _in_sysroot(sysroot: Path, path: str) -> Path:
    """The host file that absolute ``path`` names inside ``sysroot``: symlinks are followed
    inside it (an absolute link target is relative to ``sysroot``, not to the host's root)."""
    parts = [p for p in path.split("/") if p]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = sysroot.joinpath(*resolved, part)
        if candidate.is_symlink():
            hops += 1
            if hops > 40:
                raise RuntimeError(f"{sysroot}: too many symlinks in {path}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        resolved.append(part)
    return sysroot.joinpath(*resolved)


def elf_dependencies(elf: Path) -> tuple[str | None, list[str]]:
    """``elf``'s program interpreter (PT_INTERP; None for a static file) and DT_NEEDED names."""
    from elftools.elf.dynamic import DynamicSection  # pyelftools: the build's staticx needs it
    from elftools.elf.elffile import ELFFile

    with elf.open("rb") as f:
        image = ELFFile(f)
        interp: str | None = None
        for segment in image.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                interp = segment.get_interp_name()
        needed: list[str] = []
        for section in image.iter_sections():
            if isinstance(section, DynamicSection):
                needed += [t.needed for t in section.iter_tags() if t.entry.d_tag == "DT_NEEDED"]
    return interp, needed


def sysroot_libraries(
    binary: Path, arch: Arch, provided: Collection[Path] = (), skip: Collection[str] = ()
) -> dict[str, Path]:
    """In-image path -> file in ``arch.sysroot`` for the loader and every library ``binary``
    needs, recursively: the foreign-architecture stand-in for :func:`needed_libraries`.

    A name is searched in /lib/MULTIARCH, /usr/lib/MULTIARCH, /lib, /usr/lib, the order of
    Debian's loader. ``provided`` files (e.g. the other files of a PyInstaller bundle, found at
    run time) satisfy their names and have their own needs resolved; names in ``skip`` are
    left alone. Raises ``RuntimeError`` naming what is missing.
    """
    search = (f"/lib/{arch.multiarch}", f"/usr/lib/{arch.multiarch}", "/lib", "/usr/lib")
    by_name = {p.name: p for p in provided}
    result: dict[str, Path] = {}
    seen: set[str] = set(skip)
    missing: list[str] = []
    todo = [binary]
    while todo:
        interp, needed = elf_dependencies(todo.pop())
        if interp is not None and interp not in result:
            host = _in_sysroot(arch.sysroot, interp)
            if host.is_file():
                result[interp] = host
            else:
                missing.append(interp)
        for name in needed:
            if name in seen:
                continue
            seen.add(name)
            if name in by_name:
                todo.append(by_name[name])
                continue
            for folder in search:
                host = _in_sysroot(arch.sysroot, f"{folder}/{name}")
                if host.is_file():
                    result[f"{folder}/{name}"] = host
                    todo.append(host)
                    break
            else:
                missing.append(name)
    if missing:
        raise RuntimeError(f"{binary}: not found in {arch.sysroot}: {', '.join(missing)}")
    return result


def _bundled_elves(binary: Path, root: Path) -> list[Path]:
    """Extract the ELF files packed inside a PyInstaller onefile ``binary`` into ``root``.

    Returns ``[]`` when ``binary`` is not a PyInstaller archive or PyInstaller is not importable.
    """
    try:
        from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]
    except ImportError:
        return []
    try:
        archive = CArchiveReader(str(binary))
    except Exception:  # not a PyInstaller executable (a stand-in like tini, or staticx output)
        return []
    elves: list[Path] = []
    for name, entry in archive.toc.items():
        if entry[4] in ("o", "d", "n", "s", "m", "M", "z", "Z"):  # options, links, code, PYZ
            continue
        data = archive.extract(name)
        if not data or not data.startswith(b"\x7fELF"):
            continue
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755)
        elves.append(target)
    return elves


def bundled_elf_libraries(binary: Path) -> list[Path]:
    """Host libraries needed by the ELF files packed inside a PyInstaller onefile ``binary``.

    The bootloader's own ``ldd`` does not show them: libpython and the extension modules are
    unpacked at run time, and PyInstaller deliberately leaves glibc's libraries (libc, libm,
    libdl, libpthread, librt, libutil, ...) out of the archive, expecting the image to have them.
    Returns ``[]`` when ``binary`` is not a PyInstaller archive or PyInstaller is not importable.
    """
    result: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="pyinit-archive-") as tmp:
        elves = _bundled_elves(binary, Path(tmp))
        bundled = {p.name for p in elves}
        dirs = sorted({str(p.parent) for p in elves})
        env = {"LD_LIBRARY_PATH": ":".join(dirs)}
        for elf in elves:
            for lib in needed_libraries(elf, extra_env=env):
                if lib.name not in bundled and not str(lib).startswith(tmp):
                    result.append(lib)
    return result


def bundled_sysroot_libraries(binary: Path, arch: Arch) -> dict[str, Path]:
    """:func:`bundled_elf_libraries` for a foreign-architecture ``binary``: in-image path ->
    file in ``arch.sysroot``."""
    result: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="pyinit-archive-") as tmp:
        elves = _bundled_elves(binary, Path(tmp))
        for elf in elves:
            result.update(sysroot_libraries(elf, arch, provided=elves))
    return result


def _copy_file(src: Path, rootfs: Path, dest: str, mode: int | None = None) -> Path:
    target = rootfs / dest.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    shutil.copy2(src, target)  # follows symlinks: the real file content lands at ``dest``
    if mode is not None:
        target.chmod(mode)
    return target


def _libraries(elf: Path, arch: Arch | None, provided: Collection[Path] = ()) -> dict[str, Path]:
    """In-image path -> source file of the libraries ``elf`` needs (the host's, or ``arch``'s)."""
    if arch is not None:
        return sysroot_libraries(elf, arch, provided=provided)
    names = {p.name for p in provided}
    return {str(lib): lib for lib in needed_libraries(elf, provided=names)}


def copy_into_rootfs(
    rootfs: Path, src: Path, dest: str, *, with_libraries: bool = True, arch: Arch | None = None
) -> Path:
    """Copy ``src`` into ``rootfs`` at absolute path ``dest``, plus the libraries it needs
    (from ``arch.sysroot`` for a foreign ``arch``).

    The hook for later tests: e.g. a test that needs another host tool or a config file in the
    container calls this before ``podman run``. Returns the path of the copy on the host.
    """
    if not dest.startswith("/"):
        raise ValueError(f"dest must be an absolute path inside the rootfs: {dest!r}")
    mode = stat.S_IMODE(src.stat().st_mode)
    target = _copy_file(src, rootfs, dest, mode)
    if with_libraries and os.access(src, os.X_OK) and src.read_bytes()[:4] == b"\x7fELF":
        for lib_dest, lib in _libraries(src, arch).items():
            if not (rootfs / lib_dest.lstrip("/")).exists():
                _copy_file(lib, rootfs, lib_dest)
    return target


def copy_tree_into_rootfs(
    rootfs: Path, src: Path, dest: str, arch: Arch | None = None
) -> list[Path]:
    """Copy folder ``src`` (e.g. a PyInstaller onedir build) to ``dest`` in ``rootfs``, plus the
    libraries its ELF files need that the folder does not hold itself (the host's, or those of
    ``arch.sysroot``). Returns those."""
    if not dest.startswith("/"):
        raise ValueError(f"dest must be an absolute path inside the rootfs: {dest!r}")
    target = rootfs / dest.lstrip("/")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(src, target, symlinks=True)
    elves = [
        f
        for f in sorted(src.rglob("*"))
        if f.is_file() and not f.is_symlink() and f.read_bytes()[:4] == b"\x7fELF"
    ]
    # No LD_LIBRARY_PATH: the bootloader itself links against the system's libraries (e.g. libz)
    # even when a copy sits in the folder; the folder's own libraries are found at run time.
    inside = [f for f in src.rglob("*") if f.is_file()]
    copied: dict[str, Path] = {}  # in-image path -> source (one file may have two names)
    for elf in elves:
        for lib_dest, lib in _libraries(elf, arch, provided=inside).items():
            if lib_dest in copied:
                continue
            _copy_file(lib, rootfs, lib_dest)
            copied[lib_dest] = lib
    return list(dict.fromkeys(copied.values()))


@dataclass
class Rootfs:
    """A root filesystem folder for ``podman run --rootfs``."""

    path: Path
    binary: Path | None  # the host file copied to /pyinit (None: busybox only)
    libraries: list[Path] = field(default_factory=list)
    arch: Arch | None = None  # None: this machine's

    def copy_in(self, src: Path, dest: str, *, with_libraries: bool = True) -> Path:
        """See :func:`copy_into_rootfs`."""
        return copy_into_rootfs(self.path, src, dest, with_libraries=with_libraries, arch=self.arch)

    def copy_tree_in(self, src: Path, dest: str) -> list[Path]:
        """See :func:`copy_tree_into_rootfs`."""
        return copy_tree_into_rootfs(self.path, src, dest, arch=self.arch)

    def has_libc(self) -> bool:
        """True when a glibc loader or libc is in the rootfs."""
        return any(
            p.name.startswith(("libc.so", "ld-linux")) for p in self.path.rglob("*") if p.is_file()
        )

    def has_python(self) -> bool:
        """True when anything that looks like a Python interpreter or stdlib is in the rootfs."""
        pattern = re.compile(r"^python[0-9.]*$|^libpython")
        # tmp/ and var/tmp/ are scratch: a onefile binary unpacks its own libpython there at run
        # time, and a SIGKILLed container leaves that behind (with --rootfs, /tmp is this folder).
        scratch = (self.path / "tmp", self.path / "var" / "tmp")
        return any(
            pattern.match(p.name) and not any(s in p.parents for s in scratch)
            for p in self.path.rglob("*")
        )


def build_rootfs(dest: Path, binary: Path | None = None, arch: str | None = None) -> Rootfs:
    """Build a rootfs in ``dest``: busybox-static + applet links, ``binary`` at /pyinit, its libs.

    ``binary`` is also linked at /usr/local/bin/pyinit (the path Dockerfile.example uses).
    ``arch`` (a key of ``ARCHES``, e.g. "arm64"; None: this machine's) takes busybox, the loader
    and the libraries from that architecture's Debian root filesystem instead of the host.
    Raises ``RuntimeError`` with a one-line reason when something needed is missing.
    """
    foreign = ARCHES[arch] if arch is not None else None
    if foreign is None:
        busybox = find_busybox()
        if busybox is None:
            raise RuntimeError("no static busybox on the host (apt-get install busybox-static)")
        list_applets = [str(busybox), "--list"]
    else:
        busybox = _in_sysroot(foreign.sysroot, "/bin/busybox")
        if not busybox.is_file():
            raise RuntimeError(
                f"no {foreign.name} busybox at {foreign.sysroot}/bin/busybox: "
                f"run scripts/build-binary --arch {foreign.name} (it makes that root filesystem)"
            )
        if shutil.which(foreign.qemu) is None:
            raise RuntimeError(f"{foreign.qemu} is missing (apt-get install qemu-user-static)")
        list_applets = [foreign.qemu, str(busybox), "--list"]
    dest.mkdir(parents=True, exist_ok=True)
    for d in ("bin", "dev", "etc", "proc", "sys", "run", "usr/local/bin", "var"):
        (dest / d).mkdir(parents=True, exist_ok=True)
    for d in ("tmp", "var/tmp"):
        (dest / d).mkdir(parents=True, exist_ok=True)
        (dest / d).chmod(0o1777)  # PyInstaller's onefile unpacks into $TMPDIR or /tmp
    _copy_file(busybox, dest, "/bin/busybox", 0o755)
    applets = subprocess.run(
        list_applets, capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        if applet == "busybox" or "/" in applet:
            continue
        link = dest / "bin" / applet
        if not link.exists() and not link.is_symlink():
            link.symlink_to("busybox")
    (dest / "etc" / "passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    (dest / "etc" / "group").write_text("root:x:0:\n")
    libs: dict[str, Path] = {}
    if binary is not None:
        _copy_file(binary, dest, PYINIT_IN_ROOTFS, 0o755)
        in_image = dest / PYINIT_IN_IMAGE.lstrip("/")
        if not in_image.is_symlink() and not in_image.exists():
            in_image.symlink_to(PYINIT_IN_ROOTFS)
        if foreign is None:
            found = needed_libraries(binary)
            if found:  # a static binary (staticx) brings its own libc for whatever it wraps
                found += bundled_elf_libraries(binary)
            libs = {str(lib): lib for lib in found}
        else:
            libs = sysroot_libraries(binary, foreign)
            if libs:
                libs.update(bundled_sysroot_libraries(binary, foreign))
        for lib_dest, lib in libs.items():
            _copy_file(lib, dest, lib_dest)
    return Rootfs(
        path=dest, binary=binary, libraries=list(dict.fromkeys(libs.values())), arch=foreign
    )


def wait_for(
    predicate: Callable[[], T | None], timeout: float, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns a truthy value, or raise ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what or predicate}")
        time.sleep(interval)


def parse_time(text: str) -> datetime.datetime:
    """Parse podman's RFC 3339 time with nanoseconds (``2026-11-21T23:53:20.186863002Z``)."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not match:
        raise ValueError(f"unexpected time format: {text!r}")
    base, frac, zone = match.groups()
    micro = (frac or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone == "Z" else zone
    return datetime.datetime.fromisoformat(f"{base}.{micro}{zone}")


@dataclass
class Stopped:
    """Result of ``podman stop`` or ``docker stop``: how long it took and the exit code."""

    seconds: float
    exit_code: int


class ContainerCLI:
    """The verbs that podman's and docker's command lines share (harness/docker_engine.py's
    Engine is the other user); a subclass gives ``cmd``, which runs one command line."""

    def cmd(
        self, args: Sequence[str], timeout: float = 60, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        raise NotImplementedError

    def state(self, name: str) -> dict[str, Any]:
        """``inspect``'s State: Status, ExitCode, StartedAt, FinishedAt (RFC 3339), ..."""
        out = self.cmd(["inspect", "--type", "container", name], check=True).stdout
        state: dict[str, Any] = json.loads(out)[0]["State"]
        return state

    def is_running(self, name: str) -> bool:
        return self.state(name)["Status"] == "running"

    def wait(self, name: str, timeout: float = 60) -> int:
        """``wait``: block until the container exits; return its exit code."""
        out = self.cmd(["wait", name], timeout=timeout, check=True).stdout.strip()
        return int(out.splitlines()[-1])

    def logs(self, name: str, timestamps: bool = False) -> str:
        """The container's output (stdout then stderr); ``-t`` prefixes each line with its time."""
        proc = self.cmd(["logs", *(["-t"] if timestamps else []), name], check=True)
        return proc.stdout + proc.stderr

    def exec(self, name: str, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return self.cmd(["exec", name, *command], timeout=30)

    def processes(self, name: str) -> list[dict[str, str]]:
        """Processes inside the container (busybox ``ps``): pid, ppid, stat, comm, args."""
        out = self.exec(name, ["ps", "-o", "pid,ppid,stat,comm,args"]).stdout
        rows: list[dict[str, str]] = []
        for line in out.splitlines()[1:]:
            parts = line.split(None, 4)
            if len(parts) < 4:
                continue
            pid, ppid, st, comm = parts[:4]
            args = parts[4] if len(parts) > 4 else ""
            rows.append({"pid": pid, "ppid": ppid, "stat": st, "comm": comm, "args": args})
        return rows

    def wait_for_process(
        self,
        name: str,
        args_prefix: str,
        timeout: float = 15,
        rows: Callable[[str], list[dict[str, str]]] | None = None,
    ) -> dict:
        """Poll until a live process in the container has args starting with ``args_prefix``.

        ``rows`` lists the processes (default: ``ps`` inside, :meth:`processes`)."""
        listing = rows or self.processes

        def find() -> dict | None:
            if not self.is_running(name):
                raise AssertionError(f"container exited early:\n{self.logs(name)}")
            for row in listing(name):
                if row["args"].startswith(args_prefix) and not row["stat"].startswith("Z"):
                    return row
            return None

        return wait_for(find, timeout, interval=0.1, what=f"{args_prefix!r} in {name}")


class Podman(ContainerCLI):
    """Thin wrapper around the podman CLI, always with our ``containers.conf``."""

    def __init__(self, conf: Path, rootfs: Rootfs | None = None) -> None:
        self.conf = conf
        self.rootfs = rootfs
        self.env = dict(os.environ, CONTAINERS_CONF=str(conf))
        self._names: list[str] = []

    # -- raw -------------------------------------------------------------------------------
    def cmd(
        self, args: Sequence[str], timeout: float = 60, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["podman", *args],
            capture_output=True,
            text=True,
            env=self.env,
            # not the caller's: after an OOM kill in a pod, podman leaves a file `oom` in
            # its working directory (seen with podman 4.3 kube play); here it goes with conf's
            cwd=self.conf.parent,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args)} -> {proc.returncode}: {proc.stderr.strip()}"
            )
        return proc

    def run_args(
        self, command: Sequence[str], *, rootfs: Rootfs | None = None, opts: Sequence[str] = ()
    ) -> list[str]:
        """Arguments for ``podman run`` (without the leading ``podman``)."""
        fs = rootfs or self.rootfs
        if fs is None:
            raise ValueError("no rootfs")
        return [
            "run",
            "--ulimit",
            "host",
            "--network",
            "none",
            *opts,
            "--rootfs",
            str(fs.path),
            *command,
        ]

    # -- containers ------------------------------------------------------------------------
    def new_name(self, prefix: str = "pyinit-test") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self._names.append(name)
        return name

    def run(
        self,
        command: Sequence[str],
        *,
        rootfs: Rootfs | None = None,
        opts: Sequence[str] = (),
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """``podman run --rm`` in the foreground; the CompletedProcess has the container's code."""
        name = self.new_name()
        return self.cmd(
            self.run_args(command, rootfs=rootfs, opts=["--rm", "--name", name, *opts]),
            timeout=timeout,
        )

    def start(
        self,
        command: Sequence[str],
        *,
        rootfs: Rootfs | None = None,
        opts: Sequence[str] = (),
        name: str | None = None,
    ) -> str:
        """``podman run -d --name NAME ...``; returns NAME (removed by :meth:`cleanup`)."""
        name = name or self.new_name()
        if name not in self._names:
            self._names.append(name)
        self.cmd(
            self.run_args(command, rootfs=rootfs, opts=["-d", "--name", name, *opts]),
            check=True,
        )
        return name

    def stop(self, name: str, timeout: int) -> Stopped:
        """``podman stop -t TIMEOUT``; measures how long the stop takes, returns it + exit code."""
        t0 = time.monotonic()
        self.cmd(["stop", "-t", str(timeout), name], timeout=timeout + 30, check=True)
        seconds = time.monotonic() - t0
        return Stopped(seconds=seconds, exit_code=self.wait(name))

    def remove(self, *names: str) -> None:
        """``podman rm -f``: kill and remove; names that do not exist (any more) are ignored."""
        if names:
            self.cmd(["rm", "--force", "--ignore", "--time", "0", *names], timeout=60)

    def cleanup(self) -> None:
        """Remove every container this object created (safe to call on failure paths)."""
        names, self._names = self._names, []
        self.remove(*names)

    @contextlib.contextmanager
    def session(self) -> Iterator[Podman]:
        try:
            yield self
        finally:
            self.cleanup()


_unavailable_cache: dict[str, str | None] = {}


def podman_unavailable_reason(conf: Path, scratch: Path) -> str | None:
    """One-sentence reason why podman cannot run a container here, or None when it can.

    Runs ``/bin/true`` in a busybox-only rootfs built under ``scratch``.
    """
    key = str(conf)
    if key in _unavailable_cache:
        return _unavailable_cache[key]
    reason: str | None = None
    if shutil.which("podman") is None:
        reason = "podman is not installed (apt-get install podman runc)"
    elif shutil.which("runc") is None:
        reason = "runc is not installed (apt-get install runc)"
    elif find_busybox() is None:
        reason = "busybox-static is not installed (apt-get install busybox-static)"
    else:
        try:
            fs = build_rootfs(scratch / "probe-rootfs")
            proc = Podman(conf, fs).run(["/bin/true"], timeout=60)
            if proc.returncode != 0:
                err = proc.stderr.strip().splitlines()
                last = err[-1] if err else f"exit {proc.returncode}"
                reason = f"podman cannot run a container here: {last}"
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            reason = f"podman cannot run a container here: {exc}"
    _unavailable_cache[key] = reason
    return reason


def _main(argv: list[str]) -> int:
    usage = "usage: python -m harness.containers conf DIR | rootfs DIR [BINARY]"
    if len(argv) < 2 or argv[0] not in ("conf", "rootfs"):
        print(usage, file=sys.stderr)
        return 2
    target = Path(argv[1])
    try:
        if argv[0] == "conf":
            print(write_containers_conf(target))
            return 0
        binary = Path(argv[2]) if len(argv) > 2 else None
        if binary is not None and not binary.is_file():
            print(f"containers.py: {binary}: no such file", file=sys.stderr)
            return 1
        fs = build_rootfs(target, binary)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f"containers.py: {exc}", file=sys.stderr)
        return 1
    print(fs.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
