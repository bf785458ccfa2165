"""What pyinit does about running inside PyInstaller's onefile bootloader.

In the single-file build (``dist/pyinit``, see docs/FROZEN.md) the process the
container starts is PyInstaller's bootloader: it unpacks libpython and the
bundled libraries into ``$TMPDIR/_MEIxxxxxx``, then forks and execs itself, and
that child runs pyinit. To let the child find the unpacked libraries it sets
``LD_LIBRARY_PATH`` (keeping any old value in ``LD_LIBRARY_PATH_ORIG``) and a few
``_PYI_*`` variables. Every program pyinit starts would inherit them: a workload
would then load pyinit's copy of ``libz.so.1`` or ``libpython3.X.so.1.0``
instead of its own. :func:`restore_environ` undoes that before the child is
spawned; the frozen entry script (packaging/pyinit_entry.py) calls it.

The bootloader also leads the session and owns the terminal under ``docker run
-it``; how pyinit still hands the terminal to the workload is in
``pyinit.spawn.plan_terminal``.

Nothing here costs anything when pyinit is not frozen: no imports beyond
``os`` and ``sys``, and every function returns at once.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs start-up time; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import MutableMapping

#: Variables the bootloader sets for its own child. pyinit never starts a copy
#: of itself, so none of them has any use further down the process tree.
BOOTLOADER_VARIABLES = (
    "_PYI_ARCHIVE_FILE",
    "_PYI_APPLICATION_HOME_DIR",
    "_PYI_PARENT_PROCESS_LEVEL",
    "_PYI_LINUX_PROCESS_NAME",
    "_PYI_SPLASH_IPC",
)


def bundle_dir() -> str | None:
    """The directory the bootloader unpacked pyinit into, or None when not frozen."""
    if not getattr(sys, "frozen", False):
        return None
    return getattr(sys, "_MEIPASS", None)


def is_onefile() -> bool:
    """True under the onefile bootloader, which stays as pyinit's parent process.

    It unpacks into a fresh ``_MEIxxxxxx`` directory. The onedir build has a bundle
    too (its ``_internal`` folder), but there the bootloader replaced itself with
    pyinit by exec: pyinit is the container's PID 1 and no bootloader is left.
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


def describe() -> str | None:
    """One line for ``pyinit doctor`` and ``-v`` logs; None when not frozen."""
    bundle = bundle_dir()
    if bundle is None:
        return None
    if is_onefile():
        return (
            f"frozen single-file build: PyInstaller's bootloader is pid {os.getppid()} "
            f"(pyinit's parent), unpacked into {bundle}"
        )
    return f"frozen onedir build in {bundle}: no bootloader process"
