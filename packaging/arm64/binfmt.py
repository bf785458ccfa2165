"""Run a command with the kernel able to run arm64 programs (qemu-user-static through binfmt_misc).

    python3 packaging/arm64/binfmt.py run CMD [ARG...]   run CMD with the qemu-aarch64 handler
    python3 packaging/arm64/binfmt.py check              exit 0, or print why emulation is missing

The rule: register the handler only when none is registered, and remove exactly what
was added once nobody needs it any more. So ``run``:

1. mounts binfmt_misc on /proc/sys/fs/binfmt_misc when it is not mounted;
2. registers ``qemu-aarch64`` with the line Debian's qemu-user-static ships in
   /usr/lib/binfmt.d/qemu-aarch64.conf (flag F: the kernel opens the interpreter now, so it also
   runs inside chroots and containers that hold no qemu) when no handler of that name exists;
3. runs CMD, holding a shared lock on USERS while it runs (concurrent users: a build and a test
   run, two builds);
4. afterwards, when it is the last holder and the handler is one this file added (the marker
   MARKER, valid only for the boot it names), unregisters it and unmounts what it mounted.

A handler registered by anything else (systemd-binfmt at boot, binfmt-support, an admin) is
used and left alone. scripts/setup applies the same rule to the qemu-user-static package
install, whose maintainer scripts register handlers when systemd or binfmt-support run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NAME = "qemu-aarch64"
MISC = Path("/proc/sys/fs/binfmt_misc")
CONF = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")  # from Debian's qemu-user-static
STATE = Path("/run/pyinit-binfmt")
REGISTER = STATE / "register.lock"
USERS = STATE / "users.lock"
MARKER = STATE / f"{NAME}.added"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True)
class Added:
    """What this file added to the kernel (and must take away again)."""

    handler: bool
    mount: bool


def misc_mounted() -> bool:
    return (MISC / "register").exists()


def handler_registered() -> bool:
    return (MISC / NAME).exists()


def boot_id() -> str:
    return BOOT_ID.read_text().strip()


def read_marker() -> Added | None:
    """What a previous ``run`` of this boot added and has not removed yet, or None."""
    try:
        data = json.loads(MARKER.read_text())
    except (OSError, ValueError):
        return None
    if data.get("boot") != boot_id():  # /run is not a tmpfs everywhere; registrations are
        return None
    return Added(handler=bool(data.get("handler")), mount=bool(data.get("mount")))


def write_marker(added: Added) -> None:
    MARKER.write_text(
        json.dumps({"boot": boot_id(), "handler": added.handler, "mount": added.mount})
    )


def unavailable_reason() -> str | None:
    """One sentence on why arm64 programs cannot be made to run here, or None."""
    if os.geteuid() != 0:
        return "registering a binfmt_misc handler needs root"
    if not CONF.is_file():
        return f"{CONF} is missing (apt-get install qemu-user-static)"
    interpreter = CONF.read_text().strip().split(":")[-2]
    if not os.access(interpreter, os.X_OK):
        return (
            f"{interpreter} (named in {CONF}) is not executable (apt-get install qemu-user-static)"
        )
    return None


def _register() -> Added:
    """Mount and register what is missing; return what was added."""
    mount = False
    if not misc_mounted():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(MISC)], check=True)
        mount = True
    handler = False
    if not handler_registered():
        (MISC / "register").write_text(CONF.read_text().strip())
        handler = True
    return Added(handler=handler, mount=mount)


def _unregister(added: Added) -> None:
    if added.handler and handler_registered():
        (MISC / NAME).write_text("-1")
    if (
        added.mount
        and misc_mounted()
        and not any(p.name not in ("register", "status") for p in MISC.iterdir())
    ):  # someone else registered a handler meanwhile: their mount now
        subprocess.run(["umount", str(MISC)], check=True)


@contextlib.contextmanager
def emulation() -> Iterator[None]:
    """The qemu-aarch64 handler is registered while the block runs (see the module doc)."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(f"cannot emulate arm64: {reason}")
    STATE.mkdir(parents=True, exist_ok=True)
    # Two locks: REGISTER serialises the check-and-change steps (short); USERS is held shared
    # by every run while its command runs, so the last one out can tell it is the last.
    with open(REGISTER, "a+") as reg, open(USERS, "a+") as users:
        fcntl.flock(reg, fcntl.LOCK_EX)
        try:
            previous = read_marker()
            try:
                added = _register()
            except (OSError, subprocess.CalledProcessError) as exc:
                raise RuntimeError(
                    f"cannot emulate arm64: registering {NAME} failed: {exc}"
                ) from exc
            if added.handler or added.mount:
                write_marker(
                    Added(
                        handler=added.handler or bool(previous and previous.handler),
                        mount=added.mount or bool(previous and previous.mount),
                    )
                )
            elif previous is None:
                MARKER.unlink(missing_ok=True)  # a stale marker of another boot
            fcntl.flock(users, fcntl.LOCK_SH)
        finally:
            fcntl.flock(reg, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(reg, fcntl.LOCK_EX)
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)  # no other run holds it
            except BlockingIOError:
                pass  # another run still needs the handler: the last one out removes it
            else:
                mine = read_marker()
                if mine is not None:
                    _unregister(mine)
                    MARKER.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    usage = "usage: binfmt.py run CMD [ARG...] | binfmt.py check"
    if argv[:1] == ["check"]:
        reason = unavailable_reason()
        if reason:
            print(f"binfmt.py: cannot emulate arm64: {reason}", file=sys.stderr)
            return 1
        return 0
    if argv[:1] != ["run"] or len(argv) < 2:
        print(usage, file=sys.stderr)
        return 2
    try:
        with emulation():
            child = subprocess.Popen(argv[1:])
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(signum, lambda n, _f: child.send_signal(n))
            return child.wait()
    except RuntimeError as exc:
        print(f"binfmt.py: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"binfmt.py: {argv[1]}: {exc.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
