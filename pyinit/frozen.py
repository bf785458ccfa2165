"""What pyinit does about running from a frozen build's unpacked folder.

In the single-file builds (``dist/pyinit``, ``dist/pyinit-static``, see docs/FROZEN.md)
PyInstaller's bootloader unpacks libpython and the bundled libraries into
``$TMPDIR/_MEIxxxxxx`` (staticx's, in front of it in the static build, into
``staticx-XXXXXX`` first) and then execs pyinit in place: pyinit is the process the
caller started, and no bootloader process is left. So two things are pyinit's job:

* **The environment.** The bootloader sets ``LD_LIBRARY_PATH`` to the folder (keeping an
  old value in ``LD_LIBRARY_PATH_ORIG``) and a few ``_PYI_*`` variables. A workload would
  inherit them and load pyinit's copy of ``libz.so.1`` or ``libpython3.X.so.1.0`` instead
  of its own: :func:`restore_environ` undoes that before the child is spawned.
* **The folders.** Each bootloader holds an exclusive ``flock`` on ``FOLDER/.pyinit-lock``
  from right after creating the folder, through its exec, for as long as pyinit lives
  (packaging/bootloader/README.md). :func:`adopt` takes those locks over (close-on-exec,
  so the workload does not hold them) and removes the folders of earlier runs that were
  killed (SIGKILL, OOM, a stop timeout) and whose locks nobody holds any more;
  :func:`remove_own` removes pyinit's own folders just before it exits.

The packaging entry script (packaging/pyinit_entry.py) calls :func:`restore_environ` and
:func:`adopt`; ``pyinit.__main__.main_exit`` calls :func:`remove_own`, and only in a
frozen build. Nothing here is imported by a pip-installed pyinit's start-up.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs start-up time; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

#: Variables the bootloader sets for the program it execs. pyinit never starts a copy
#: of itself, so none of them has any use further down the process tree.
BOOTLOADER_VARIABLES = (
    "_PYI_ARCHIVE_FILE",
    "_PYI_APPLICATION_HOME_DIR",
    "_PYI_PARENT_PROCESS_LEVEL",
    "_PYI_LINUX_PROCESS_NAME",
    "_PYI_SPLASH_IPC",
)

#: Where staticx's bootloader says it unpacked (its own variable, set for the program).
STATICX_BUNDLE_VARIABLE = "STATICX_BUNDLE_DIR"

#: The names the two bootloaders give their folders (``mkdtemp`` adds the rest).
FOLDER_PREFIXES = ("_MEI", "staticx-")

#: The file in each folder whose flock says "in use" (taken by the bootloaders' C code).
LOCK_NAME = ".pyinit-lock"

#: The folders this process unpacked and holds the locks of (filled by :func:`adopt`).
_own: list[str] = []


def bundle_dir() -> str | None:
    """The directory the bootloader unpacked pyinit into, or None when not frozen."""
    if not getattr(sys, "frozen", False):
        return None
    return getattr(sys, "_MEIPASS", None)


def is_onefile() -> bool:
    """True in a single-file build, which runs from a folder unpacked at every start.

    The onedir build has a bundle too (its ``_internal`` folder), but it unpacks nothing.
    """
    bundle = bundle_dir()
    return bundle is not None and os.path.basename(bundle).startswith("_MEI")


def restore_environ(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Give the environment back the values it had before the bootloader ran.

    ``LD_LIBRARY_PATH`` gets its original value (from ``LD_LIBRARY_PATH_ORIG``), or is
    removed if there was none; the ``_PYI_*`` variables are removed. Only entries that
    point into pyinit's own bundle are touched, so a value the user set on purpose
    survives. ``environ`` defaults to ``os.environ``. Returns the names changed.
    """
    bundle = bundle_dir()
    env = os.environ if environ is None else environ
    if bundle is None:
        return []
    changed = []
    library_path = env.get("LD_LIBRARY_PATH")
    if library_path is not None and library_path.split(os.pathsep)[0] == bundle:
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            del env["LD_LIBRARY_PATH"]
        else:
            env["LD_LIBRARY_PATH"] = original
        changed.append("LD_LIBRARY_PATH")
    for name in BOOTLOADER_VARIABLES:
        if env.pop(name, None) is not None:
            changed.append(name)
    return changed


def _held_locks(candidates: Iterable[str]) -> dict[str, int]:
    """Which of the ``candidates`` folders this process holds the lock of: folder -> fd.

    Proof of ownership is an open descriptor, inherited from the bootloader, of the very
    file ``FOLDER/.pyinit-lock`` (same device and inode): a variable in the environment
    alone (a stale ``STATICX_BUNDLE_DIR``, say) never makes a folder ours.
    """
    wanted: dict[tuple[int, int], str] = {}
    for folder in candidates:
        try:
            st = os.stat(os.path.join(folder, LOCK_NAME), follow_symlinks=False)
        except OSError:
            continue
        wanted[(st.st_dev, st.st_ino)] = folder
    held: dict[str, int] = {}
    if not wanted:
        return held
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return held
    for fd in fds:
        try:
            st = os.fstat(fd)
        except OSError:
            continue  # the listdir's own descriptor, closed by now
        folder = wanted.get((st.st_dev, st.st_ino))
        if folder is not None:
            held[folder] = fd
    return held


def is_candidate(name: str, uid: int, own_uid: int, is_dir: bool) -> bool:
    """Could this entry of a temp dir be a leftover folder of ours? (Before its lock.)

    Only real directories (a symlink is never followed) named like the bootloaders'
    folders and owned by our own uid.
    """
    return is_dir and uid == own_uid and name.startswith(FOLDER_PREFIXES)


def remove_tree(name: str, parent_fd: int) -> None:
    """Remove the directory ``name`` in ``parent_fd`` and everything in it; never follow a
    symlink (each level is opened with ``O_NOFOLLOW`` relative to its parent's descriptor,
    the same walk as ``shutil.rmtree``'s fd-based variant). Errors are ignored: what cannot
    be removed stays. Not shutil itself: importing it pulls in ``re`` and ``fnmatch``, ~8 ms
    on every start and exit of the frozen pyinit (measured: ``python -X importtime``)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except OSError:
        return
    try:
        with os.scandir(fd) as entries:
            items = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        for item, is_dir in items:
            if is_dir:
                remove_tree(item, fd)
            else:
                with _ignored():
                    os.unlink(item, dir_fd=fd)
    finally:
        os.close(fd)
    with _ignored():
        os.rmdir(name, dir_fd=parent_fd)


class _ignored:
    """``contextlib.suppress(OSError)`` without importing contextlib."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        return isinstance(value, OSError)


def _remove_if_unlocked(parent_fd: int, name: str, own_uid: int) -> bool:
    """Remove ``name`` (in ``parent_fd``) if its lock file exists and nobody holds it."""
    import fcntl

    try:
        folder_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except OSError:
        return False  # gone, or replaced by a symlink meanwhile
    try:
        if os.fstat(folder_fd).st_uid != own_uid:
            return False
        try:
            lock_fd = os.open(LOCK_NAME, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder_fd)
        except OSError:
            return False  # no lock file: being created right now, or not a pyinit folder
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock_fd)
            return False  # a live pyinit holds it
        try:
            remove_tree(name, parent_fd)  # holding the lock while it runs
        finally:
            os.close(lock_fd)
        return True
    finally:
        os.close(folder_fd)


def sweep(parents: Iterable[str], keep: Iterable[str]) -> list[str]:
    """Remove the unlocked leftover folders in ``parents``, except ``keep``; return them."""
    own_uid = os.geteuid()
    keep_set = set(keep)
    removed = []
    for parent in dict.fromkeys(parents):
        try:
            parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            with os.scandir(parent_fd) as entries:
                names = []
                for entry in entries:
                    if not entry.name.startswith(FOLDER_PREFIXES):
                        continue  # the common case: no stat at all
                    try:
                        st = entry.stat(follow_symlinks=False)
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
                    ours = os.path.join(parent, entry.name) in keep_set
                    if not ours and is_candidate(entry.name, st.st_uid, own_uid, is_dir):
                        names.append(entry.name)
            for name in names:
                if _remove_if_unlocked(parent_fd, name, own_uid):
                    removed.append(os.path.join(parent, name))
        finally:
            os.close(parent_fd)
    return removed


def adopt() -> list[str]:
    """At start: take over our folders' locks, and sweep the leftovers of killed runs.

    Returns the folders removed. Cheap: one ``/proc/self/fd`` listing and one directory
    listing per temp dir in use (``scripts/measure-binary`` shows the start-up cost).
    """
    if not is_onefile():
        return []
    candidates = [bundle_dir() or ""]
    staticx_dir = os.environ.pop(STATICX_BUNDLE_VARIABLE, None)
    if staticx_dir:
        candidates.append(staticx_dir)
    held = _held_locks(candidates)
    for folder, fd in held.items():
        os.set_inheritable(fd, False)  # the workload must not keep the folder "in use"
        _own.append(folder)
    if not held:
        return []  # a stock bootloader: it removes its folder itself; not ours to sweep
    try:
        return sweep([os.path.dirname(folder) for folder in _own], _own)
    except OSError:
        return []  # an unreadable temp dir: nothing swept this time, pyinit runs on


def remove_own() -> None:
    """Just before pyinit exits: remove the folders it was unpacked into."""
    for folder in _own:
        try:
            parent_fd = os.open(os.path.dirname(folder), os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            remove_tree(os.path.basename(folder), parent_fd)
        finally:
            os.close(parent_fd)
    _own.clear()


def describe() -> str | None:
    """One line for ``pyinit doctor`` and ``-v`` logs; None when not frozen."""
    bundle = bundle_dir()
    if bundle is None:
        return None
    if is_onefile():
        return f"frozen single-file build, unpacked into {bundle} (removed when pyinit exits)"
    return f"frozen onedir build in {bundle}"
