"""pyinit as PID 1 in real containers: podman + runc, a hand-built rootfs with no Python in it.

The rootfs (harness/containers.py) holds busybox-static, glibc's loader and the libraries the frozen
binary needs, and the binary itself at /pyinit (``dist/pyinit`` from ``scripts/build-binary``, or
the file named by ``PYINIT_BINARY``). Its bootloader unpacks and execs pyinit in place, so pyinit
itself is PID 1: these tests check what a user gets, unpacking and clean-up included.

Every pyinit scenario has a contrast without pyinit (busybox ``sh`` or ``sleep`` as PID 1) that
shows the failure: ``podman stop`` waits the whole timeout and the container exits 137 (SIGKILL).

Skips only when podman cannot run a container at all (or the binary is not built); set
``PYINIT_CONTAINER_TESTS=require`` (CI should) to turn those skips into failures.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import containers as ct
from tests.support import CONTAINER_TESTS, has_patched_bootloader, unavailable

pytestmark = pytest.mark.container

STOP_TIMEOUT = 10  # what the issue asks for pyinit: must return long before this
CONTRAST_TIMEOUT = 3  # without pyinit the stop takes all of it; kept short for suite time
FAST = 2.0  # "returns in under 2 s"


def _skip_or_fail(reason: str) -> None:
    unavailable(reason, CONTAINER_TESTS)


def _binary() -> Path | None:
    path = Path(os.environ.get("PYINIT_BINARY") or ct.DEFAULT_BINARY)
    return path if path.is_file() else None


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def podman_conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    conf = ct.write_containers_conf(tmp_path_factory.mktemp("podman-conf"))
    reason = ct.podman_unavailable_reason(conf, tmp_path_factory.mktemp("podman-probe"))
    if reason:
        _skip_or_fail(reason)
    return conf


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory: pytest.TempPathFactory, podman_conf: Path) -> ct.Rootfs:
    """Built once per session: busybox + the frozen binary (when built) + its libraries."""
    return ct.build_rootfs(tmp_path_factory.mktemp("rootfs"), _binary())


@pytest.fixture(scope="session")
def pyinit_rootfs(rootfs: ct.Rootfs) -> ct.Rootfs:
    if rootfs.binary is None:
        _skip_or_fail(f"{ct.DEFAULT_BINARY} is not built: run scripts/build-binary")
    return rootfs


@pytest.fixture
def podman(podman_conf: Path, rootfs: ct.Rootfs) -> Iterator[ct.Podman]:
    """A podman wrapper; every container it made is removed afterwards, also on failure."""
    with ct.Podman(podman_conf, rootfs).session() as p:
        yield p


@pytest.fixture
def pyinit(podman: ct.Podman, pyinit_rootfs: ct.Rootfs) -> ct.Podman:
    return podman


# -- helpers -----------------------------------------------------------------------------------


def wait_for_process(p: ct.Podman, name: str, args_prefix: str, timeout: float = 15) -> dict:
    """Poll ``ps`` in the container until a live process whose args start with ``args_prefix``."""
    return p.wait_for_process(name, args_prefix, timeout)


def signal_masks(p: ct.Podman, name: str, pid: str) -> dict[str, int]:
    """SigIgn/SigCgt/SigBlk of ``pid`` in the container, as integers (bit N-1 = signal N)."""
    status = p.exec(name, ["cat", f"/proc/{pid}/status"]).stdout
    return {
        key: int(value, 16)
        for key, value in re.findall(r"^(Sig(?:Ign|Cgt|Blk)):\s*([0-9a-f]+)$", status, re.M)
    }


def report(record_property, scenario: str, seconds: float, code: int) -> None:  # noqa: ANN001
    record_property(scenario, f"{seconds:.2f}s exit {code}")
    print(f"[measure] {scenario}: {seconds:.2f} s, exit {code}")


SLEEP = ["sleep", "1000"]
SHELL_NO_EXEC = ["sh", "-c", "sleep 1000; echo done"]
# Ignores TERM, exits 0 on INT. `sleep 1 & wait`: the `wait` builtin is interrupted by a trapped
# signal at once (a foreground sleep would delay the trap until it ends); the background sleep
# inherits the ignored TERM and, being an async list of a non-interactive shell, ignores INT.
INT_ONLY = ["sh", "-c", 'trap "exit 0" INT; trap "" TERM; while :; do sleep 1 & wait; done']


# -- 1, 2: podman stop ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "command", "ready"),
    [("sleep", SLEEP, "sleep 1000"), ("sh-no-exec", SHELL_NO_EXEC, "sleep 1000")],
)
def test_stop_is_fast_and_exits_143(pyinit, record_property, scenario, command, ready):
    name = pyinit.start(["/pyinit", "--", *command])
    wait_for_process(pyinit, name, ready)
    if command[0] == "sh":  # the shell really stays, as the sleep's parent (it did not exec)
        assert any(r["args"].startswith("sh -c sleep") for r in pyinit.processes(name))
    stopped = pyinit.stop(name, STOP_TIMEOUT)
    report(record_property, f"pyinit {scenario}", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 143, pyinit.logs(name)
    assert stopped.seconds < FAST


@pytest.mark.parametrize(
    ("scenario", "command", "ready"),
    [
        ("sleep", SLEEP, "sleep 1000"),
        ("sh-no-exec", SHELL_NO_EXEC, "sleep 1000"),
        ("int-only", INT_ONLY, "sleep 1"),
    ],
)
def test_without_pyinit_stop_takes_the_full_timeout(
    podman, record_property, scenario, command, ready
):
    """The contrast: PID 1 without a handler ignores SIGTERM; runc SIGKILLs after -t."""
    name = podman.start(command)
    wait_for_process(podman, name, ready)
    stopped = podman.stop(name, CONTRAST_TIMEOUT)
    report(record_property, f"no init {scenario}", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 137
    assert stopped.seconds >= CONTRAST_TIMEOUT - 0.1


# -- 3: -r TERM:INT -------------------------------------------------------------------------------


def test_rewrite_term_to_int(pyinit, record_property):
    name = pyinit.start(["/pyinit", "-r", "TERM:INT", "--", *INT_ONLY])
    shell = wait_for_process(pyinit, name, "sh -c trap")
    wait_for_process(pyinit, name, "sleep 1")  # the loop runs: both traps are in place
    masks = signal_masks(pyinit, name, shell["pid"])
    assert masks["SigIgn"] & (1 << (15 - 1)), "the child must really ignore SIGTERM"
    assert masks["SigCgt"] & (1 << (2 - 1)), "the child must catch SIGINT"
    stopped = pyinit.stop(name, STOP_TIMEOUT)
    report(record_property, "pyinit -r TERM:INT", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 0, pyinit.logs(name)
    assert stopped.seconds < FAST


def test_int_only_child_without_rewrite_is_killed(pyinit, record_property):
    """Control for the test above: the same child under pyinit without -r ignores the stop."""
    name = pyinit.start(["/pyinit", "--", *INT_ONLY])
    wait_for_process(pyinit, name, "sleep 1")
    stopped = pyinit.stop(name, CONTRAST_TIMEOUT)
    report(record_property, "pyinit int-only without -r", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 137
    assert stopped.seconds >= CONTRAST_TIMEOUT - 0.1


# -- 4: zombies -----------------------------------------------------------------------------------

# The inner shell starts two short sleeps and exits at once: they are orphans. Then the main
# child becomes `sleep 1000`, which never calls wait().
ORPHANS = ["sh", "-c", 'sh -c "sleep 0.3 & sleep 0.4 &"; exec sleep 1000']


def test_orphans_are_reaped(pyinit):
    name = pyinit.start(["/pyinit", "--", *ORPHANS])
    wait_for_process(pyinit, name, "sleep 1000")

    def settled() -> list[dict] | None:
        rows = pyinit.processes(name)
        orphans = [r for r in rows if r["args"].startswith(("sleep 0.", "[sleep]"))]
        zombies = [r for r in rows if r["stat"].startswith("Z")]
        return None if orphans or zombies else rows

    rows = ct.wait_for(settled, 10, interval=0.1, what="orphans to be reaped")
    assert not [r for r in rows if r["stat"].startswith("Z")]


def test_orphans_of_podman_exec_are_reaped(pyinit, pyinit_rootfs):
    """`podman exec` starts its command outside pyinit's tree: orphans it leaves go to PID 1,
    which is pyinit itself (our bootloader execs it in place), and its loop reaps them."""
    if not has_patched_bootloader(pyinit_rootfs.binary):
        unavailable(
            "stock bootloader (build-binary's fallback): it stays PID 1 and reaps only pyinit"
        )
    name = pyinit.start(["/pyinit", "--", "sleep", "1000"])
    wait_for_process(pyinit, name, "sleep 1000")
    proc = pyinit.exec(name, ["sh", "-c", "sleep 0.3 & sleep 0.4 & exit"])
    assert proc.returncode == 0, proc.stderr

    def settled() -> list[dict] | None:
        rows = pyinit.processes(name)
        leftovers = [r for r in rows if r["args"].startswith(("sleep 0.", "[sleep]"))]
        return None if leftovers else rows

    rows = ct.wait_for(settled, 10, interval=0.1, what="the exec session's orphans to be reaped")
    assert not [r for r in rows if r["stat"].startswith("Z")]


def test_without_pyinit_orphans_become_zombies(podman):
    """Contrast: `sleep` as PID 1 never reaps the orphans it inherits."""
    name = podman.start(ORPHANS)

    def zombies() -> list[dict]:
        return [r for r in podman.processes(name) if r["stat"].startswith("Z")]

    found = ct.wait_for(zombies, 10, interval=0.1, what="zombies")
    # ...and they stay: once the orphans are dead nobody ever reaps them.
    ct.wait_for(lambda: len(zombies()) == 2, 10, interval=0.1, what="both orphans to be zombies")
    assert found


# -- 5: exit codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["sh", "-c", "exit 42"], 42),
        (["sh", "-c", "kill -USR1 $$"], 128 + 10),
        (["sh", "-c", "kill -KILL $$"], 128 + 9),
        (["/no/such/command"], 127),
    ],
)
def test_exit_code_passes_through_podman_run(pyinit, command, code):
    proc = pyinit.run(["/pyinit", "--", *command])
    assert proc.returncode == code, proc.stderr


def test_without_pyinit_pid1_cannot_die_of_a_signal(podman):
    """Contrast: the kernel drops a signal PID 1 has no handler for, so the code is lost."""
    proc = podman.run(["sh", "-c", "kill -USR1 $$; exit 0"])
    assert proc.returncode == 0


# -- 6: --grace -----------------------------------------------------------------------------------

# The survivor ignores TERM (the subshell sets it, then execs sleep, which keeps the ignored
# disposition); the main child waits until the exec happened, says so, and exits 3.
GRACE_CHILD = [
    "sh",
    "-c",
    '(trap "" TERM; exec sleep 1000) & '
    'while [ "$(cat /proc/$!/comm)" != sleep ]; do :; done; echo main-exit; exit 3',
]


def test_grace_kills_survivor_and_names_it(pyinit, record_property):
    name = pyinit.start(["/pyinit", "--grace", "2", "--", *GRACE_CHILD])
    code = pyinit.wait(name, timeout=30)
    logs = pyinit.logs(name, timestamps=True)
    exit_line = next(line for line in logs.splitlines() if line.endswith(" main-exit"))
    child_exit = ct.parse_time(exit_line.split()[0])
    finished = ct.parse_time(pyinit.state(name)["FinishedAt"])
    after = (finished - child_exit).total_seconds()
    report(record_property, "pyinit --grace 2 (end after main child exit)", after, code)
    assert code == 3, logs
    assert re.search(r"\[pyinit\].*pid \d+ \(sleep\)", logs), logs
    assert 1.5 <= after <= 3.5, logs  # the grace is honoured (not cut short), then it ends


# -- read-only root filesystem --------------------------------------------------------------------


def test_read_only_rootfs_with_tmpfs(pyinit, record_property):
    """`--read-only` (podman mounts a tmpfs on /tmp): the onefile binary can unpack and works."""
    name = pyinit.start(["/pyinit", "--", *SLEEP], opts=["--read-only"])
    wait_for_process(pyinit, name, "sleep 1000")
    stopped = pyinit.stop(name, STOP_TIMEOUT)
    report(record_property, "pyinit --read-only", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 143
    assert stopped.seconds < FAST


READ_ONLY = ["--read-only", "--read-only-tmpfs=false"]  # no tmpfs anywhere: a truly read-only root


@pytest.mark.parametrize(
    "mounts", [[], ["--tmpfs", "/tmp:rw,noexec"]], ids=["no-writable-tmp", "noexec-tmp"]
)
def test_read_only_rootfs_fails_in_one_line(pyinit, pyinit_rootfs, record_property, mounts):
    """Nowhere to unpack (or only a noexec /tmp, Docker's --tmpfs default): the onefile
    bootloader, C code that runs before any Python, fails at once with one line. Our patched
    bootloader (packaging/bootloader/, the default build) skips noexec dirs and says what to
    mount, exit 255; PyInstaller's stock one (build-binary's fallback) says "Could not create
    temporary directory" (255) or fails in the dynamic loader (127). The next test checks the
    advice."""
    proc = pyinit.run(["/pyinit", "--", "sh", "-c", "exit 0"], opts=[*READ_ONLY, *mounts])
    print(f"[measure] read-only {mounts}: exit {proc.returncode}, stderr {proc.stderr!r}")
    record_property(f"read-only {mounts}", f"exit {proc.returncode}: {proc.stderr.strip()}")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    patched = has_patched_bootloader(pyinit_rootfs.binary)
    if patched:
        assert proc.returncode == 255, proc.stderr
        assert lines[0].startswith("[pyinit] error: cannot unpack:"), proc.stderr
        assert "--tmpfs /tmp:exec" in lines[0] and "emptyDir" in lines[0], proc.stderr
    elif mounts:
        assert proc.returncode == 127, proc.stderr
        assert "failed to map segment from shared object" in lines[0], proc.stderr
    else:
        assert proc.returncode == 255, proc.stderr
        assert "Could not create temporary directory" in lines[0], proc.stderr


def test_read_only_rootfs_with_exec_tmpfs_works(pyinit, record_property):
    """The documented fix: a tmpfs at /tmp that allows exec (`docker run --tmpfs /tmp:exec`)."""
    opts = [*READ_ONLY, "--tmpfs", "/tmp:rw,exec"]
    name = pyinit.start(["/pyinit", "--", *SLEEP], opts=opts)
    wait_for_process(pyinit, name, "sleep 1000")
    stopped = pyinit.stop(name, STOP_TIMEOUT)
    report(
        record_property, "pyinit --read-only + tmpfs /tmp:exec", stopped.seconds, stopped.exit_code
    )
    assert stopped.exit_code == 143
    assert stopped.seconds < FAST


# -- the rootfs itself ----------------------------------------------------------------------------


def test_rootfs_has_no_python(pyinit_rootfs):
    assert not pyinit_rootfs.has_python()
    assert (pyinit_rootfs.path / "pyinit").is_file()


def test_copy_into_rootfs_hook(podman, rootfs, tmp_path):
    """The hook a later test uses to add files (e.g. for `podman exec CTR /pyinit doctor`)."""
    extra = tmp_path / "hello.txt"
    extra.write_text("hello from the host\n")
    rootfs.copy_in(extra, "/etc/pyinit-test/hello.txt")
    proc = podman.run(["cat", "/etc/pyinit-test/hello.txt"])
    assert proc.stdout == "hello from the host\n"


# -- Dockerfile.example, replayed by hand ---------------------------------------------------------


def dockerfile_stages(path: Path) -> dict[str, dict]:
    """Per stage of a multi-stage Dockerfile: RUN lines (with inherited ones), ENTRYPOINT, CMD,
    STOPSIGNAL, each inherited from the parent stage when the stage does not set it."""
    dfp = pytest.importorskip("dockerfile_parse")
    with path.open("rb") as f:
        structure = dfp.DockerfileParser(fileobj=f).structure
    stages: dict[str, dict] = {}
    cur: dict = {}
    for item in structure:
        instr, value = item["instruction"], item["value"].strip()
        if instr == "FROM":
            image, _, name = value.partition(" AS ")
            parent = stages.get(image.strip(), {})
            cur = {
                "run": list(parent.get("run", [])),
                "entrypoint": parent.get("entrypoint"),
                "cmd": parent.get("cmd"),
                "stopsignal": parent.get("stopsignal", "SIGTERM"),
            }
            stages[name.strip() or image.strip()] = cur
        elif instr == "RUN":
            cur["run"].append(value)
        elif instr in ("ENTRYPOINT", "CMD"):
            cur[instr.lower()] = json.loads(value)  # exec form only: anything else fails here
        elif instr == "STOPSIGNAL":
            cur["stopsignal"] = value
    return stages


@pytest.mark.parametrize(
    ("stage", "ready", "code", "says"),
    [
        ("app-sigint", "sleep 1", 0, "app: SIGINT, clean shutdown"),
        ("app", "sleep infinity", 143, ""),
    ],
)
def test_dockerfile_example_stage(pyinit, record_property, stage, ready, code, says):
    """Replay a runtime stage of Dockerfile.example in the hand-built rootfs: its RUN lines
    (busybox sh standing in for dash), then ENTRYPOINT + CMD with its STOPSIGNAL, `podman stop`."""
    st = dockerfile_stages(ct.REPO / "Dockerfile.example")[stage]
    assert st["entrypoint"][0] == ct.PYINIT_IN_IMAGE and st["entrypoint"][-1] == "--"
    for line in st["run"]:
        proc = pyinit.run(["sh", "-c", line])
        assert proc.returncode == 0, f"RUN {line}: {proc.stderr}"
    name = pyinit.start([*st["entrypoint"], *st["cmd"]], opts=["--stop-signal", st["stopsignal"]])
    wait_for_process(pyinit, name, ready)
    stopped = pyinit.stop(name, STOP_TIMEOUT)
    report(record_property, f"Dockerfile.example {stage}", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == code, pyinit.logs(name)
    assert stopped.seconds < FAST
    assert says in pyinit.logs(name)


# -- the other build variants (scripts/build-binary --static / --onedir), when built -------------


@pytest.fixture(scope="session")
def static_rootfs(tmp_path_factory: pytest.TempPathFactory, podman_conf: Path) -> ct.Rootfs:
    """busybox-static and dist/pyinit-static only: no glibc, no loader, no libraries at all."""
    binary = ct.DEFAULT_BINARY.with_name("pyinit-static")
    if not binary.is_file():
        unavailable(f"{binary} is not built (scripts/build-binary --static)")
    return ct.build_rootfs(tmp_path_factory.mktemp("rootfs-static"), binary)


@pytest.fixture(scope="session")
def onedir_rootfs(tmp_path_factory: pytest.TempPathFactory, podman_conf: Path) -> ct.Rootfs:
    """busybox + dist/pyinit-onedir/ at /opt/pyinit + the host libraries it needs."""
    folder = ct.DEFAULT_BINARY.with_name("pyinit-onedir")
    if not (folder / "pyinit").is_file():
        unavailable(f"{folder} is not built (scripts/build-binary --onedir)")
    fs = ct.build_rootfs(tmp_path_factory.mktemp("rootfs-onedir"))
    fs.copy_tree_in(folder, "/opt/pyinit")
    return fs


@pytest.mark.parametrize(
    ("variant", "exe"), [("static", "/pyinit"), ("onedir", "/opt/pyinit/pyinit")]
)
def test_build_variant(request, podman, record_property, variant, exe):
    fs: ct.Rootfs = request.getfixturevalue(f"{variant}_rootfs")
    if variant == "static":  # (onedir carries libpython in its folder: that is the point)
        assert not fs.has_libc(), "the static variant must run without any libc in the image"
        assert not fs.has_python()
    name = podman.start([exe, "--", *SLEEP], rootfs=fs)
    wait_for_process(podman, name, "sleep 1000")
    if variant == "onedir":  # no bootloader fork: pyinit itself is PID 1
        rows = podman.processes(name)
        assert [r["pid"] for r in rows if r["args"].startswith(exe)] == ["1"], rows
    stopped = podman.stop(name, STOP_TIMEOUT)
    report(record_property, f"pyinit {variant} sleep", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 143, podman.logs(name)
    assert stopped.seconds < FAST
    # onedir unpacks nothing, so it also runs on a root with no writable directory at all
    opts = READ_ONLY if variant == "onedir" else []
    proc = podman.run([exe, "--", "sh", "-c", "exit 42"], rootfs=fs, opts=opts)
    assert proc.returncode == 42, proc.stderr


def test_static_variant_forwards_every_signal(podman, static_rootfs):
    """`podman kill -s HUP` (a reload) reaches the app through staticx's bootloader, PID 1 of
    the static build: our patched one forwards every catchable signal, the stock one only TERM
    and INT (packaging/bootloader/README.md)."""
    if not has_patched_bootloader(static_rootfs.binary):
        unavailable("staticx's stock bootloader (build-binary's fallback) drops SIGHUP")
    app = 'trap "echo got HUP" HUP; echo ready; while :; do sleep 0.1; done'
    name = podman.start(["/pyinit", "--", "sh", "-c", app], rootfs=static_rootfs)
    ct.wait_for(lambda: "ready" in podman.logs(name), 15, interval=0.1, what="the app to start")
    podman.cmd(["kill", "--signal", "HUP", name], check=True)
    ct.wait_for(lambda: "got HUP" in podman.logs(name), 10, interval=0.1, what="SIGHUP")
    stopped = podman.stop(name, STOP_TIMEOUT)
    assert stopped.exit_code == 143, podman.logs(name)


# -- the single-file builds: one process, their unpacked folders ----------------------------------


@pytest.fixture(params=["onefile", "static"])
def single_rootfs(request: pytest.FixtureRequest) -> ct.Rootfs:
    """The rootfs with dist/pyinit, or with dist/pyinit-static, at /pyinit (patched builds)."""
    fs: ct.Rootfs = request.getfixturevalue(
        "pyinit_rootfs" if request.param == "onefile" else "static_rootfs"
    )
    if not has_patched_bootloader(fs.binary):
        unavailable(f"{fs.binary} has a stock bootloader, which forks and stays PID 1")
    return fs


#: How many folders one run unpacks: PyInstaller's _MEIxxxxxx, and staticx's before it.
def folders_per_run(fs: ct.Rootfs) -> int:
    return 2 if fs.binary is not None and fs.binary.name == "pyinit-static" else 1


def unpacked(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("_MEI", "staticx-")))


def test_ps_shows_pyinit_as_pid1(podman, single_rootfs):
    name = podman.start(["/pyinit", "--", *SLEEP], rootfs=single_rootfs)
    wait_for_process(podman, name, "sleep 1000")
    rows = [r for r in podman.processes(name) if r["comm"] != "ps"]  # ps: from podman exec
    assert [(r["pid"], r["ppid"], r["comm"]) for r in rows] == [
        ("1", "0", "pyinit"),
        (rows[1]["pid"], "1", "sleep"),
    ], rows


def test_restarts_leave_at_most_one_unpacked_folder(podman, single_rootfs, tmp_path):
    """An app that ignores TERM, `podman stop -t 1` (pyinit is SIGKILLed, its folders stay),
    `podman start`, five times: each start removes the folders of the killed run (nobody
    holds their lock), so /tmp holds only the live run's. Before, one ~8 MB folder was left
    per kill: in Kubernetes, an emptyDir /tmp filling up until the pod is evicted."""
    shared = tmp_path / "tmp"
    shared.mkdir(mode=0o1777)
    app = "trap '' TERM; echo ready; while :; do sleep 0.1; done"
    name = podman.start(
        ["/pyinit", "--", "sh", "-c", app], rootfs=single_rootfs, opts=["-v", f"{shared}:/tmp"]
    )
    per_run = folders_per_run(single_rootfs)
    seen: list[list[str]] = []
    for round_ in range(1, 6):
        ct.wait_for(lambda n=round_: podman.logs(name).count("ready") >= n, 15, 0.1, what="the app")
        seen.append(unpacked(shared))
        assert len(seen[-1]) == per_run, seen
        stopped = podman.stop(name, 1)
        assert stopped.exit_code == 137  # the app ignored TERM: SIGKILL after 1 s
        assert unpacked(shared) == seen[-1]  # killed: nobody removed them
        if round_ < 5:
            podman.cmd(["start", name], check=True)
    assert all(not set(a) & set(b) for a, b in zip(seen, seen[1:])), seen  # each run its own


def test_two_live_pyinit_sharing_tmp_keep_each_others_folders(podman, single_rootfs, tmp_path):
    """Two containers of a pod sharing one /tmp (an emptyDir): a third start removes neither
    live one's folders, only those of a killed one; planted look-alikes are never touched
    (a folder of another uid, a symlink named like a folder, a folder without a lock)."""
    shared = tmp_path / "tmp"
    shared.mkdir(mode=0o1777)
    opts = ["-v", f"{shared}:/tmp"]
    per_run = folders_per_run(single_rootfs)
    first = podman.start(["/pyinit", "--", *SLEEP], rootfs=single_rootfs, opts=opts)
    wait_for_process(podman, first, "sleep 1000")
    of_first = unpacked(shared)
    second = podman.start(["/pyinit", "--", *SLEEP], rootfs=single_rootfs, opts=opts)
    wait_for_process(podman, second, "sleep 1000")
    of_both = unpacked(shared)
    assert len(of_both) == 2 * per_run and set(of_first) <= set(of_both)
    stranger = shared / "_MEI0000abcdother"
    stranger.mkdir()
    (stranger / ".pyinit-lock").touch()
    os.chown(stranger, 65534, 65534)
    target = tmp_path / "target"
    target.mkdir()
    (target / ".pyinit-lock").touch()
    (shared / "_MEI0000abcdlink").symlink_to(target)
    (shared / "staticx-nolock").mkdir()
    planted = ["_MEI0000abcdlink", "_MEI0000abcdother", "staticx-nolock"]
    proc = podman.run(["/pyinit", "--", "true"], rootfs=single_rootfs, opts=opts)
    assert proc.returncode == 0, proc.stderr
    assert unpacked(shared) == sorted([*of_both, *planted])
    podman.cmd(["kill", first], check=True)  # SIGKILL: its folders stay, unlocked
    podman.wait(first)
    proc = podman.run(["/pyinit", "--", "true"], rootfs=single_rootfs, opts=opts)
    assert proc.returncode == 0, proc.stderr
    assert unpacked(shared) == sorted([*(set(of_both) - set(of_first)), *planted])
    assert (target / ".pyinit-lock").exists()


def test_memory_limit_too_small_to_start_says_so(podman, single_rootfs):
    """`--memory 8m`: the page cache of what the bootloaders unpack counts against the limit,
    and the kernel reclaimed and refaulted the same pages forever (pyinit-static: R state,
    no progress in 45 s) or OOM-killed pyinit without a word. Now one line, exit 255."""
    proc = podman.run(
        ["/pyinit", "--", "echo", "ran"], rootfs=single_rootfs, opts=["--memory", "8m"], timeout=30
    )
    assert proc.returncode == 255, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("[pyinit] error: the memory limit"), lines
    assert "--memory" in lines[0]
