"""pyinit in the real Docker engine: the seeds' own `docker ...` commands, end to end.

The daemon is Debian's dockerd, private to the tests (harness/docker_engine.py). The scenario image
is the busybox + glibc root filesystem of harness/containers.py (no Python in it), with dist/pyinit
at /pyinit and /usr/local/bin/pyinit and three small shell apps, brought in with `docker import`;
the images of each scenario are built FROM it with `docker build`. Every scenario runs the same
image without pyinit too, and shows the failure. Dockerfile.example is built for real (every
target) FROM a debian:12-slim made from Debian's packages; its build stage also hosts the Python
version of the STOPSIGNAL case. Compose runs when Debian's docker-compose is installed.

Skips only when no engine can start (its last log lines say why) or the binaries are not built;
``PYINIT_CONTAINER_TESTS=require`` (CI sets it) turns those skips into failures.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import containers as ct
from harness import docker_engine as de
from tests.support import has_patched_bootloader, unavailable

# A cold run builds the scenario images inside the first test that needs them.
pytestmark = [pytest.mark.docker, pytest.mark.container, pytest.mark.timeout(180)]

STOP_TIMEOUT = 10  # docker stop's default: pyinit must return long before it
CONTRAST_TIMEOUT = 3  # without pyinit the stop takes all of it; kept short for suite time
FAST = 1.5  # "stops in well under a second" plus room for a loaded machine
STATIC = ct.REPO / "dist" / "pyinit-static"

# The scenario apps, copied into the image from tests/apps/ (term_app.sh, int_only_app.sh,
# entrypoint_no_exec.sh, sigint_only.py).
APPS = Path(__file__).parent / "apps"
CLEAN = "app: SIGTERM, clean shutdown"
CLEAN_INT = "app: SIGINT, clean shutdown"
PYINIT = '"/usr/local/bin/pyinit"'

# Scenario images, each `docker build` FROM the base image ({base}); the -pyinit ones differ
# from their plain twin only by pyinit in front.
DOCKERFILES = {
    # The seeds' shell-form ENTRYPOINT: /bin/sh -c 'app; true' is PID 1.
    "shell-form": "ENTRYPOINT app; true",
    "shell-form-pyinit": f'ENTRYPOINT [{PYINIT}, "--", "/bin/sh", "-c", "app; true"]',
    # An entrypoint script without exec.
    "script": 'ENTRYPOINT ["/entrypoint.sh"]',
    "script-pyinit": f'ENTRYPOINT [{PYINIT}, "--", "/entrypoint.sh"]',
    # The app as pyinit's direct child (exec form all the way).
    "app-pyinit": f'ENTRYPOINT [{PYINIT}, "--", "/usr/local/bin/app"]',
    # An app that stops only on SIGINT: as PID 1, with STOPSIGNAL, with pyinit -r TERM:INT.
    "int-only": 'ENTRYPOINT ["/usr/local/bin/app-int"]',
    "int-only-stopsignal": 'STOPSIGNAL SIGINT\nENTRYPOINT ["/usr/local/bin/app-int"]',
    "int-only-rewrite": f'ENTRYPOINT [{PYINIT}, "-r", "TERM:INT", "--", "/usr/local/bin/app-int"]',
    "int-only-pyinit-stopsignal": (
        f'STOPSIGNAL SIGINT\nENTRYPOINT [{PYINIT}, "--", "/usr/local/bin/app-int"]'
    ),
}


def report(record_property, scenario: str, seconds: float, code: int, extra: str = "") -> None:  # noqa: ANN001
    record_property(scenario, f"{seconds:.2f}s exit {code} {extra}".strip())
    print(f"[measure] docker {scenario}: {seconds:.2f} s, exit {code} {extra}".rstrip())


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def engine() -> Iterator[de.Engine]:
    eng, reason = de.engine_unavailable_reason()
    if eng is None:
        _unavailable(reason or "the Docker engine cannot start here")
    assert eng is not None
    try:
        yield eng
    finally:
        eng.release()


@pytest.fixture(scope="session")
def base_image(engine: de.Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The busybox + glibc rootfs with dist/pyinit and the apps, imported once per content."""
    binary = ct.DEFAULT_BINARY
    if not binary.is_file():
        _unavailable(f"{binary} is not built: run scripts/build-binary")
    fs = ct.build_rootfs(tmp_path_factory.mktemp("docker-rootfs") / "rootfs", binary)
    for dest, app in (
        ("/usr/local/bin/app", "term_app.sh"),
        ("/usr/local/bin/app-int", "int_only_app.sh"),
        ("/entrypoint.sh", "entrypoint_no_exec.sh"),
    ):
        path = fs.path / dest.lstrip("/")
        path.write_text((APPS / app).read_text())
        path.chmod(0o755)
    de.prune_images(engine, "pyinit-test/*")
    return de.import_rootfs(engine, fs.path, "pyinit-test/busybox")


@pytest.fixture(scope="session")
def images(engine: de.Engine, base_image: str) -> dict[str, str]:
    """Tag of every scenario image (the layer cache makes an unchanged one instant)."""
    tags = {}
    key = base_image.rpartition(":")[2]  # its content: runs of other clones use other tags
    for name, body in DOCKERFILES.items():
        tag = f"pyinit-test/{name}:{key}"
        engine.build(tag, f"FROM {base_image}\n{body}\n")
        tags[name] = tag
    return tags


@pytest.fixture
def docker(engine: de.Engine) -> Iterator[de.Engine]:
    """The engine; every container a test made is removed afterwards, also on failure."""
    try:
        yield engine
    finally:
        engine.cleanup()


# -- helpers -----------------------------------------------------------------------------------


def wait_for_process(d: de.Engine, name: str, args_prefix: str, timeout: float = 15) -> dict:
    """Poll ``docker top`` (the host's view: no ``ps`` needed in the image)."""
    return d.wait_for_process(name, args_prefix, timeout, rows=d.top)


def wait_for_log(d: de.Engine, name: str, text: str, timeout: float = 15) -> str:
    def found() -> str | None:
        logs = d.logs(name)
        return logs if text in logs else None

    return ct.wait_for(
        found,
        timeout,
        interval=0.05,
        what=f"{text!r} in docker logs {name}",
    )


def start_app(d: de.Engine, image: str, ready: str = "app: running", **kw) -> str:  # noqa: ANN003
    """Start a container and wait until the app said it runs (a stop before that tests start-up)."""
    name = d.start(image, **kw)
    wait_for_log(d, name, ready)
    wait_for_process(d, name, "sleep 1")
    return name


def zombies_after_orphans(d: de.Engine, name: str) -> int:
    """Wait until the short-lived orphans are dead (reaped or zombies); return the zombie count."""

    def settled() -> list[dict] | None:
        rows = d.processes(name)
        alive = [r for r in rows if r["args"].startswith("sleep 0.") and r["stat"][0] != "Z"]
        return None if alive else rows

    rows = ct.wait_for(settled, 10, interval=0.1, what="the orphans to end")
    zombies = [r for r in rows if r["stat"].startswith("Z")]
    if zombies:  # give a reaper that is merely slow the chance to catch up
        try:
            ct.wait_for(
                lambda: not [r for r in d.processes(name) if r["stat"].startswith("Z")],
                2,
                interval=0.1,
            )
            return 0
        except TimeoutError:
            pass
    return len([r for r in d.processes(name) if r["stat"].startswith("Z")])


# -- 1. shell-form ENTRYPOINT, 2. an entrypoint script without exec -------------------------------


@pytest.mark.parametrize("kind", ["shell-form", "script"])
def test_without_pyinit_docker_stop_waits_and_kills(docker, images, record_property, kind):
    """The shell is PID 1: the kernel drops the SIGTERM it has no handler for; the app never
    hears it, `docker stop` waits its whole timeout, SIGKILLs, and the app's handler never ran."""
    name = start_app(docker, images[kind])
    assert "/bin/sh " in docker.processes(name)[0]["args"], "PID 1 is a shell"
    stopped = docker.stop(name, CONTRAST_TIMEOUT)
    report(record_property, f"{kind} without init", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 137
    assert stopped.seconds >= CONTRAST_TIMEOUT - 0.1
    assert CLEAN not in docker.logs(name)


@pytest.mark.parametrize("kind", ["shell-form", "script"])
def test_pyinit_in_front_stops_at_once_and_cleanly(docker, images, record_property, kind):
    """Same app, pyinit in front (exec form): the app's group gets the SIGTERM, it shuts down."""
    name = start_app(docker, images[f"{kind}-pyinit"])
    stopped = docker.stop(name, STOP_TIMEOUT)
    report(record_property, f"{kind} with pyinit", stopped.seconds, stopped.exit_code)
    assert stopped.seconds < FAST
    assert stopped.exit_code == 143  # the shell in between died of the SIGTERM
    assert CLEAN in docker.logs(name)


# -- 3. an app that stops only on SIGINT ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fixed"),
    [
        ("int-only", False),  # PID 1 ignores TERM: 137 after the whole timeout
        ("int-only-stopsignal", True),  # the seed's fix: docker stop sends SIGINT
        ("int-only-rewrite", True),  # pyinit -r TERM:INT
        ("int-only-pyinit-stopsignal", True),  # STOPSIGNAL SIGINT, pyinit forwards it
    ],
)
def test_sigint_only_app(docker, images, record_property, kind, fixed):
    name = start_app(docker, images[kind])
    stopped = docker.stop(name, STOP_TIMEOUT if fixed else CONTRAST_TIMEOUT)
    report(record_property, kind, stopped.seconds, stopped.exit_code)
    if fixed:
        assert (stopped.exit_code, stopped.seconds < FAST) == (0, True), docker.logs(name)
        assert CLEAN_INT in docker.logs(name)
    else:
        assert stopped.exit_code == 137
        assert stopped.seconds >= CONTRAST_TIMEOUT - 0.1
        assert CLEAN_INT not in docker.logs(name)


def test_rewrite_also_covers_docker_kill(docker, images):
    """STOPSIGNAL changes what `docker stop` sends; a plain SIGTERM (`docker kill`, an
    orchestrator's own kill) still goes to an app that ignores it. -r TERM:INT covers both."""
    rewrite = start_app(docker, images["int-only-rewrite"])
    docker.kill(rewrite, "TERM")
    assert docker.wait(rewrite, timeout=10) == 0
    assert CLEAN_INT in docker.logs(rewrite)
    plain = start_app(docker, images["int-only-stopsignal"])
    pid1 = docker.exec(plain, ["cat", "/proc/1/status"]).stdout
    ignored = int(next(ln.split()[1] for ln in pid1.splitlines() if ln.startswith("SigIgn")), 16)
    assert ignored & (1 << 14), "SIGTERM (bit 14) is ignored by the STOPSIGNAL image's PID 1"


# -- 4. orphans, and the orphans of docker exec ---------------------------------------------------

# The inner shell starts two short sleeps and exits at once: orphans, reparented to PID 1. Then
# the main process becomes `sleep 1000`, which never calls wait().
ORPHANS = ["sh", "-c", 'sh -c "sleep 0.3 & sleep 0.4 &"; exec sleep 1000']


@pytest.mark.parametrize("with_pyinit", [True, False])
def test_orphans(docker, base_image, with_pyinit):
    name = docker.start(base_image, ["/pyinit", "--", *ORPHANS] if with_pyinit else ORPHANS)
    wait_for_process(docker, name, "sleep 1000")
    assert zombies_after_orphans(docker, name) == (0 if with_pyinit else 2)


@pytest.mark.parametrize("with_pyinit", [True, False])
def test_orphans_of_docker_exec(docker, base_image, with_pyinit):
    """`docker exec` starts its command from outside; its orphans go to the container's PID 1."""
    if with_pyinit and not has_patched_bootloader(ct.DEFAULT_BINARY):
        unavailable("stock bootloader (build-binary's fallback): such orphans stay zombies")
    command = ["sleep", "1000"]
    name = docker.start(base_image, ["/pyinit", "--", *command] if with_pyinit else command)
    wait_for_process(docker, name, "sleep 1000")
    proc = docker.exec(name, ["sh", "-c", "sleep 0.3 & sleep 0.4 & exit"])
    assert proc.returncode == 0, proc.stderr
    assert zombies_after_orphans(docker, name) == (0 if with_pyinit else 2)


# -- 5. docker kill -s HUP ------------------------------------------------------------------------


def test_docker_kill_hup(docker, images):
    """pyinit forwards HUP to the app, which reloads and keeps running; the shell-form PID 1
    drops it (no handler), so the app never hears it. (pyinit signals the child's whole group:
    a shell between pyinit and the app would get the HUP too, and die of it.)"""
    with_pyinit = start_app(docker, images["app-pyinit"])
    without = start_app(docker, images["shell-form"])
    docker.kill(with_pyinit, "HUP")
    docker.kill(without, "HUP")
    wait_for_log(docker, with_pyinit, "app: SIGHUP, reloading", timeout=10)
    assert docker.is_running(with_pyinit)
    # Signals to a PID 1 without a handler are dropped when sent, not queued: nothing can
    # arrive later. The pyinit container's reload above took the same path and time.
    assert docker.is_running(without)
    assert "SIGHUP" not in docker.logs(without)


# -- 6. exit codes, 128+N included ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["sh", "-c", "exit 42"], 42),
        (["sh", "-c", "kill -USR1 $$"], 128 + 10),
        (["sh", "-c", "kill -KILL $$"], 128 + 9),
        (["/no/such/command"], 127),
    ],
)
def test_exit_code_through_docker_run(docker, base_image, command, code):
    proc = docker.run(base_image, ["/pyinit", "--", *command])
    assert proc.returncode == code, proc.stderr


def test_without_pyinit_pid1_cannot_die_of_a_signal(docker, base_image):
    """Contrast: the shell as PID 1 sends itself USR1; the kernel drops it, the shell goes on."""
    proc = docker.run(base_image, ["sh", "-c", "kill -USR1 $$; echo survived"])
    assert (proc.returncode, proc.stdout.strip()) == (0, "survived")


# -- 7. docker stop -t ----------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [1, 4])
def test_docker_stop_t(docker, base_image, record_property, timeout):
    """`docker stop -t N` waits N seconds before SIGKILL; with pyinit it never has to."""
    bare = docker.start(base_image, ["sleep", "1000"])
    wrapped = docker.start(base_image, ["/pyinit", "--", "sleep", "1000"])
    wait_for_process(docker, bare, "sleep 1000")
    wait_for_process(docker, wrapped, "sleep 1000")
    slow = docker.stop(bare, timeout)
    fast = docker.stop(wrapped, timeout)
    report(record_property, f"stop -t {timeout} sleep as PID 1", slow.seconds, slow.exit_code)
    report(record_property, f"stop -t {timeout} pyinit", fast.seconds, fast.exit_code)
    assert slow.exit_code == 137 and timeout - 0.1 <= slow.seconds < timeout + 5
    assert fast.exit_code == 143 and fast.seconds < FAST


# -- 8. docker run --init: Docker's own docker-init (tini), dist/pyinit, dist/pyinit-static -------

INITS = {
    "docker-init": de.DOCKER_INIT,
    "pyinit": ct.DEFAULT_BINARY,
    "pyinit-static": STATIC,
}


@pytest.fixture(params=list(INITS))
def init(request) -> tuple[str, Path]:  # noqa: ANN001
    path = INITS[request.param]
    if not path.is_file():
        _unavailable(f"{path} is missing (scripts/build-binary --all; apt-get install docker.io)")
    return request.param, path


def test_run_init_is_the_init_path(docker, base_image, init):
    """`docker run --init` runs dockerd's --init-path file as PID 1 (/sbin/docker-init)."""
    label, path = init
    name = docker.start(base_image, ["sleep", "1000"], init=path)
    wait_for_process(docker, name, "sleep 1000")
    pid1 = docker.processes(name)[0]["args"]
    # Every build keeps the argv[0] it was started with, the static one's two bootloaders too.
    # busybox ps puts {COMM} in front when the name the kernel gave the process differs from
    # argv[0]'s: the static build last execs the program it unpacked, .../staticx-*/pyinit.
    want = "/sbin/docker-init -- sleep 1000"
    assert pid1 == ("{pyinit} " + want if label == "pyinit-static" else want), pid1
    version = docker.exec(name, ["/sbin/docker-init", "--version"])
    assert ("tini" if label == "docker-init" else "pyinit") in version.stdout + version.stderr


def test_run_init_entrypoint_script(docker, images, record_property, init):
    """The issue's case: an entrypoint script without exec under `docker run --init`. tini
    signals only its child, the shell, which dies; tini exits and the app is SIGKILLed unheard.
    pyinit signals the whole group: the app shuts down cleanly."""
    label, path = init
    name = start_app(docker, images["script"], init=path)
    stopped = docker.stop(name, STOP_TIMEOUT)
    clean = CLEAN in docker.logs(name)
    extra = "app shut down cleanly" if clean else "app killed without shutdown"
    report(record_property, f"--init {label} script", stopped.seconds, stopped.exit_code, extra)
    assert stopped.seconds < FAST and stopped.exit_code == 143
    assert clean == (label != "docker-init"), docker.logs(name)


def test_run_init_shell_form(docker, images, record_property, init):
    label, path = init
    name = start_app(docker, images["shell-form"], init=path)
    stopped = docker.stop(name, STOP_TIMEOUT)
    clean = CLEAN in docker.logs(name)
    extra = "app shut down cleanly" if clean else "app killed without shutdown"
    report(record_property, f"--init {label} shell-form", stopped.seconds, stopped.exit_code, extra)
    assert stopped.seconds < FAST and stopped.exit_code == 143
    assert clean == (label != "docker-init"), docker.logs(name)


def test_run_init_reaps_orphans_and_passes_exit_codes(docker, base_image, init):
    label, path = init
    name = docker.start(base_image, ORPHANS, init=path)
    wait_for_process(docker, name, "sleep 1000")
    assert zombies_after_orphans(docker, name) == 0
    assert docker.run(base_image, ["sh", "-c", "exit 42"], init=path).returncode == 42
    assert docker.run(base_image, ["sh", "-c", "kill -USR1 $$"], init=path).returncode == 138


# -- 9. Dockerfile.example, built for real -------------------------------------------------------

EXAMPLE = ct.REPO / "Dockerfile.example"
EXAMPLE_TARGETS = ("build", "base", "app-sigint", "app")  # every stage; the last is the default
BUILD_TIMEOUT = 1200  # cold: Debian packages and PyInstaller from the network; warm: seconds


@pytest.fixture(scope="session")
def example(engine: de.Engine) -> dict[str, str]:
    """Every target of Dockerfile.example, built FROM a debian:12-slim made from Debian's
    packages (harness/docker_engine.py). `--network host`: the only network a build has here."""
    try:
        de.debian_base_image(engine)
    except (OSError, de.EngineError, subprocess.SubprocessError) as exc:
        _unavailable(f"no debian:12-slim base image: {exc}")
    de.prune_images(engine, "pyinit-example/*")
    tags = {}
    clone = hashlib.sha256(str(ct.REPO).encode()).hexdigest()[:12]  # each clone its own tags
    for target in EXAMPLE_TARGETS:
        tag = f"pyinit-example/{target}:{clone}"
        engine.build(
            tag, EXAMPLE, context=ct.REPO, target=target, network_host=True, timeout=BUILD_TIMEOUT
        )
        tags[target] = tag
    return tags


@pytest.mark.timeout(BUILD_TIMEOUT + 300)
def test_example_build_stage_made_the_binary(docker, example):
    proc = docker.run(example["build"], ["dist/pyinit", "--", "sh", "-c", "exit 7"])
    assert proc.returncode == 7, proc.stderr


@pytest.mark.timeout(BUILD_TIMEOUT + 300)
def test_example_base_has_pyinit_and_no_python(docker, example):
    proc = docker.run(example["base"], ["/usr/local/bin/pyinit", "--", "sh", "-c", "exit 7"])
    assert proc.returncode == 7, proc.stderr
    found = docker.run(example["base"], ["sh", "-c", "ls /usr/bin/python3* /usr/local/bin/py*"])
    assert found.stdout.split() == ["/usr/local/bin/pyinit"], found.stdout + found.stderr


@pytest.mark.timeout(BUILD_TIMEOUT + 300)
def test_example_app_stops_with_143_at_once(docker, example, record_property):
    name = docker.start(example["app"])
    wait_for_process(docker, name, "sleep infinity")
    stopped = docker.stop(name, STOP_TIMEOUT)
    report(record_property, "Dockerfile.example app", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 143 and stopped.seconds < 1.0, docker.logs(name)


@pytest.mark.timeout(BUILD_TIMEOUT + 300)
def test_example_app_sigint_stops_cleanly(docker, example, record_property):
    name = docker.start(example["app-sigint"])
    wait_for_log(docker, name, "app: running")
    wait_for_process(docker, name, "sleep 1")
    stopped = docker.stop(name, STOP_TIMEOUT)
    report(record_property, "Dockerfile.example app-sigint", stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == 0 and stopped.seconds < FAST, docker.logs(name)
    assert CLEAN_INT in docker.logs(name)


# The STOPSIGNAL write-up's own case, in Python: an app that handles only SIGINT, its image
# without and with `STOPSIGNAL SIGINT`, and with pyinit -r TERM:INT. The image: Dockerfile.example's
# build stage, which has Debian's python3 and the dist/pyinit it built.
PY_DOCKERFILES = {
    "py-without-stopsignal": 'CMD ["python3", "-u", "/app/app.py"]',
    "py-with-stopsignal": 'STOPSIGNAL SIGINT\nCMD ["python3", "-u", "/app/app.py"]',
    "py-pyinit-rewrite": (
        'ENTRYPOINT ["/src/dist/pyinit", "-r", "TERM:INT", "--"]\n'
        'CMD ["python3", "-u", "/app/app.py"]'
    ),
}


@pytest.mark.timeout(BUILD_TIMEOUT + 300)
@pytest.mark.parametrize(
    ("kind", "code"),
    [("py-without-stopsignal", 137), ("py-with-stopsignal", 0), ("py-pyinit-rewrite", 0)],
)
def test_python_app_that_handles_only_sigint(
    docker, example, tmp_path, record_property, kind, code
):
    shutil.copy(APPS / "sigint_only.py", tmp_path / "app.py")
    body = PY_DOCKERFILES[kind]
    tag = f"pyinit-test/{kind}:{example['build'].rpartition(':')[2]}"
    docker.build(
        tag, f"FROM {example['build']}\nCOPY app.py /app/app.py\n{body}\n", context=tmp_path
    )
    name = docker.start(tag)
    wait_for_log(docker, name, "Application started")
    stopped = docker.stop(name, STOP_TIMEOUT if code == 0 else CONTRAST_TIMEOUT)
    report(record_property, kind, stopped.seconds, stopped.exit_code)
    assert stopped.exit_code == code, docker.logs(name)
    if code == 0:
        assert stopped.seconds < FAST
        assert "Received SIGINT: cleaning up" in docker.logs(name)
    else:  # python as PID 1 has no SIGTERM handler: the kernel drops it, SIGKILL follows
        assert stopped.seconds >= CONTRAST_TIMEOUT - 0.1
        assert "cleaning up" not in docker.logs(name)


# -- 10. Compose: init: true with pyinit as the engine's init, stop_grace_period -------------------

COMPOSE = """\
version: "2.4"
services:
  script:  # the entrypoint without exec, under `init: true`
    image: {script}
    init: true
    network_mode: none
  int-only:  # ignores SIGTERM: killed when its grace period ends
    image: {int_only}
    network_mode: none
    stop_grace_period: 2s
  int-only-rewrite:  # the same app with pyinit -r TERM:INT in front
    image: {rewrite}
    network_mode: none
    stop_grace_period: 2s
"""


@pytest.fixture
def compose(docker, images, tmp_path) -> Iterator[list[str]]:  # noqa: ANN001
    """The docker-compose command for a project of the three services above, removed after."""
    cli = shutil.which("docker-compose")
    if cli is None:
        _unavailable("docker-compose is not installed (apt-get install docker-compose)")
    assert cli is not None
    text = COMPOSE.format(
        script=images["script"], int_only=images["int-only"], rewrite=images["int-only-rewrite"]
    )
    (tmp_path / "docker-compose.yml").write_text(text)
    base = [cli, "--project-directory", str(tmp_path), "-f", str(tmp_path / "docker-compose.yml")]
    base += ["-p", f"pyinit{os.getpid()}"]
    try:
        yield base
    finally:
        subprocess.run([*base, "down", "-t", "0"], env=docker.env, capture_output=True, timeout=60)


def _compose(docker: de.Engine, base: list[str], *args: str) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(
        [*base, *args], env=docker.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return time.monotonic() - t0


def _container(docker: de.Engine, base: list[str], service: str) -> str:
    proc = subprocess.run(
        [*base, "ps", "-q", service], env=docker.env, capture_output=True, text=True, timeout=60
    )
    return proc.stdout.strip()


def test_compose_init_true_and_stop_grace_period(docker, compose, record_property):
    with docker.init_as(ct.DEFAULT_BINARY):  # `init: true` runs the engine's init: pyinit
        _compose(docker, compose, "up", "-d")
    ids = {s: _container(docker, compose, s) for s in ("script", "int-only", "int-only-rewrite")}
    for ident in ids.values():
        wait_for_log(docker, ident, "app: running")
        wait_for_process(docker, ident, "sleep 1")
    top = docker.top(ids["script"])
    assert any(r["args"].startswith("/sbin/docker-init -- /entrypoint.sh") for r in top), top
    results = {}
    for service, ident in ids.items():
        seconds = _compose(docker, compose, "stop", service)
        results[service] = (seconds, docker.wait(ident))
        report(record_property, f"compose stop {service}", seconds, results[service][1])
    assert results["script"][1] == 143 and CLEAN in docker.logs(ids["script"])
    assert results["int-only"][1] == 137 and results["int-only"][0] >= 2 - 0.1
    assert results["int-only-rewrite"][1] == 0 and CLEAN_INT in docker.logs(ids["int-only-rewrite"])
    # docker-compose itself takes about a second per call here; the stop is in it.
    assert results["int-only-rewrite"][0] < results["int-only"][0] - 1


# -- the engine helper ---------------------------------------------------------------------------


def test_engine_is_reused(engine):
    """A second user gets the running daemon (same socket), and leaving does not stop it."""
    other = de.engine()
    assert not other.started and other.host == engine.host
    other.release()
    assert engine.cmd(["version", "--format", "{{.Server.Version}}"]).returncode == 0


def test_cli_without_dockerd_exits_75_in_one_line(tmp_path):
    """scripts/demo falls back to podman on exit 75; the reason is one line on stderr."""
    env = dict(os.environ, PATH="/nonexistent", PYINIT_DOCKER_DIR=str(tmp_path / "engine"))
    proc = subprocess.run(
        [sys.executable, "-m", "harness.docker_engine", "exec", "--", "true"],
        cwd=ct.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == de.CANNOT_START, proc.stderr
    assert proc.stderr.count("\n") == 1 and "apt-get install docker.io" in proc.stderr


def test_failing_daemon_reports_its_log(tmp_path):
    """A dockerd that cannot start: the error carries its last log lines, not a hang."""
    if shutil.which("dockerd") is None:
        _unavailable("dockerd is not installed (apt-get install docker.io)")
    env = dict(os.environ, PYINIT_DOCKER_DIR=str(tmp_path / "engine"))
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "data").write_text("a file where the data-root folder should be")
    code = (
        "import sys; from harness import docker_engine as de\n"
        "try:\n    de.engine()\nexcept de.EngineError as e:\n    print(e); sys.exit(3)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ct.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "dockerd exited" in proc.stdout and "last lines of" in proc.stdout, proc.stdout


def _unavailable(reason: str) -> None:
    """Skip, or fail where CI sets PYINIT_CONTAINER_TESTS=require (tests/support.py)."""
    unavailable(reason, "PYINIT_CONTAINER_TESTS")
