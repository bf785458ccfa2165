"""A private Docker engine for the tests and the demo: Debian's dockerd, started without systemd.

What this module does, and why:

* :func:`engine` starts ``dockerd --iptables=false --ip-masq=false --bridge=none`` with its socket,
  exec-root, pidfile and log in :data:`ENGINE_DIR`, or reuses the one of ours that already answers
  on that socket (idempotent). Its data-root lives there too, outside the clone, so imported base
  images and the layer cache of ``docker build`` survive between runs (a cold Dockerfile.example
  build downloads Debian packages and PyInstaller; a warm one takes seconds). The folder's name
  holds a hash of ``dockerd --version``: another engine version starts from an empty data-root.
* Every user holds a shared lock on ``users.lock`` while it uses the engine; the one that leaves
  last stops the daemon (by its pid), unless ``docker_engine.py start`` asked to keep it running.
  Start-up and stop are serialised by ``start.lock``, so two test runs (or a run and the demo)
  never start two daemons on one data-root. Nobody else on these machines runs dockerd.
* ``docker run --init`` runs the file named by dockerd's ``--init-path`` as ``/sbin/docker-init``.
  That option is read when a container starts (it is the source of a bind mount), so the daemon
  gets a symlink, :data:`INIT_LINK`, and :meth:`Engine.init_as` points it at Docker's own
  docker-init (tini), ``dist/pyinit`` or ``dist/pyinit-static`` around one ``docker run``: one
  daemon, no restart per init. It points at docker-init the rest of the time.
* :func:`import_rootfs` makes a local base image offline (``docker import`` of a folder's tarball),
  tagged by a hash of its content, so an unchanged rootfs is imported once.
* :func:`engine_unavailable_reason` says in one sentence why no engine can run here, with the last
  lines of dockerd's log; the tests skip with it, or fail with ``PYINIT_CONTAINER_TESTS=require``.

From the shell, in the repository root (``scripts/demo`` uses ``exec`` and ``import``)::

    .venv/bin/python -m harness.docker_engine exec -- CMD...   # CMD with DOCKER_HOST set, then stop
    .venv/bin/python -m harness.docker_engine import DIR REPO  # docker import DIR; prints the tag
    .venv/bin/python -m harness.docker_engine start            # start (or reuse), keep it running
    .venv/bin/python -m harness.docker_engine stop             # stop it

Environment: ``PYINIT_CACHE`` (default /var/cache/pyinit) holds the engine folder and the base
image tarballs; ``PYINIT_DOCKER_DIR`` names the engine folder itself (a test uses a throwaway one).

``exec`` and ``start`` exit with :data:`CANNOT_START` (and one line on stderr) when no engine
can start, so a caller can fall back to podman.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    from harness.containers import ContainerCLI, Stopped
except ImportError:  # run as a file (python harness/docker_engine.py ...): harness/ is on the path
    from containers import ContainerCLI, Stopped  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("PYINIT_CACHE", "/var/cache/pyinit"))
DOCKER_INIT = Path("/usr/bin/docker-init")  # Docker's own init: tini, from Debian's docker.io
LOG_TAIL = 15  # lines of dockerd's log shown when it fails
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
PRUNE_AFTER_HOURS = 24.0  # see prune_images
CANNOT_START = 75  # EX_TEMPFAIL: the engine did not start (the reason is on stderr)


class EngineError(RuntimeError):
    """dockerd did not start, or a docker command failed; the message says which and why."""


def docker_cli() -> str | None:
    """The docker client of Debian's docker.io (its version matches dockerd), else any on PATH."""
    debian = Path("/usr/bin/docker")
    return str(debian) if debian.is_file() else shutil.which("docker")


def _engine_dir() -> Path:
    if os.environ.get("PYINIT_DOCKER_DIR"):
        return Path(os.environ["PYINIT_DOCKER_DIR"])
    dockerd = shutil.which("dockerd") or "dockerd"
    try:
        version = subprocess.run(
            [dockerd, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except OSError:
        version = "missing"
    return CACHE / f"docker-engine-{hashlib.sha256(version.encode()).hexdigest()[:12]}"


ENGINE_DIR = _engine_dir()
SOCKET = ENGINE_DIR / "docker.sock"
PIDFILE = ENGINE_DIR / "dockerd.pid"
LOG = ENGINE_DIR / "dockerd.log"
INIT_LINK = ENGINE_DIR / "docker-init"
KEEP = ENGINE_DIR / "keep-running"


def log_tail(lines: int = LOG_TAIL) -> str:
    """The last lines of dockerd's log ('' when there is none)."""
    try:
        text = LOG.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def _flock(name: str, mode: int = fcntl.LOCK_EX) -> Iterator[IO[str]]:
    ENGINE_DIR.mkdir(parents=True, exist_ok=True)
    with open(ENGINE_DIR / name, "a+") as handle:
        fcntl.flock(handle, mode)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid() -> int | None:
    """dockerd's pid from its pidfile, when that process is alive and is dockerd."""
    try:
        pid = int(PIDFILE.read_text().strip())
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except (OSError, ValueError):
        return None
    return pid if comm == "dockerd" else None


def _answers(timeout: float = 10) -> bool:
    cli = docker_cli()
    if cli is None or not SOCKET.exists():
        return False
    try:
        proc = subprocess.run(
            [cli, "-H", f"unix://{SOCKET}", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _point_init(target: Path) -> None:
    """Atomically make :data:`INIT_LINK` a symlink to ``target``."""
    tmp = INIT_LINK.with_name(f".{INIT_LINK.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target)
    tmp.replace(INIT_LINK)


def _unmount_exec_root() -> None:
    """dockerd leaves mounts in its exec-root when it stops (the netns/default bind mount):
    unmount them, so the folder can go and a temporary engine folder can be removed."""
    exec_root = str(ENGINE_DIR / "exec") + "/"
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    for line in reversed(mounts):
        target = line.split()[1].replace("\\040", " ")
        if target.startswith(exec_root):
            subprocess.run(["umount", "-l", target], capture_output=True, check=False)


def _start_daemon() -> None:
    """Start dockerd in the background; return once it answers. Raises EngineError with its log."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise EngineError("dockerd is not installed (apt-get install docker.io)")
    if docker_cli() is None:
        raise EngineError("the docker client is not installed (apt-get install docker.io)")
    # A previous dockerd that died (or a reboot) leaves its exec-root state and pidfile behind;
    # both only describe running processes, so they go. The data-root stays.
    _unmount_exec_root()
    shutil.rmtree(ENGINE_DIR / "exec", ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        PIDFILE.unlink()
    with contextlib.suppress(FileNotFoundError):
        SOCKET.unlink()
    _point_init(DOCKER_INIT)
    args = [
        dockerd,
        "--iptables=false",
        "--ip-masq=false",
        "--bridge=none",
        "--data-root",
        str(ENGINE_DIR / "data"),
        "--exec-root",
        str(ENGINE_DIR / "exec"),
        "-H",
        f"unix://{SOCKET}",
        "--pidfile",
        str(PIDFILE),
        "--init-path",
        str(INIT_LINK),
    ]
    with open(LOG, "w") as log:
        log.write(f"# {' '.join(args)}\n")
        log.flush()
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the test run's terminal is not for dockerd
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(timeout=5):
        if proc.poll() is not None:
            raise EngineError(
                f"dockerd exited with {proc.returncode} at start-up; last lines of {LOG}:\n"
                f"{log_tail()}"
            )
        if time.monotonic() > deadline:
            _stop_pid(proc.pid)
            raise EngineError(
                f"dockerd did not answer on {SOCKET} within {START_TIMEOUT:.0f} s; "
                f"last lines of {LOG}:\n{log_tail()}"
            )
        time.sleep(0.1)
    # Containers left by a killed run: all are ours (nobody else runs this dockerd).
    cli = docker_cli()
    assert cli is not None
    subprocess.run(
        [cli, "-H", f"unix://{SOCKET}", "container", "prune", "--force"],
        capture_output=True,
        timeout=60,
        check=False,
    )


def _stop_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while Path(f"/proc/{pid}").exists():
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # our own child when this process started it
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    _unmount_exec_root()


def stop_daemon() -> bool:
    """Stop our dockerd if it runs; True when there was one."""
    with _flock("start.lock"):
        KEEP.unlink(missing_ok=True)
        pid = _pid()
        if pid is None:
            return False
        _stop_pid(pid)
        return True


@dataclass
class Engine(ContainerCLI):
    """A running dockerd of ours and the docker CLI aimed at it."""

    cli: str
    started: bool  # this process started the daemon (else it reused a running one)
    env: dict[str, str] = field(default_factory=dict)
    _users: IO[str] | None = None
    _names: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"unix://{SOCKET}"

    # -- raw ---------------------------------------------------------------------------------
    def cmd(
        self,
        args: Sequence[str],
        timeout: float = 60,
        check: bool = False,
        stdin: str | bytes | None = None,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.cli, *args],
            input=stdin.decode() if isinstance(stdin, bytes) else stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise EngineError(
                f"docker {' '.join(args)} -> {proc.returncode}: {proc.stderr.strip()}"
            )
        return proc

    # -- images ------------------------------------------------------------------------------
    def has_image(self, ref: str) -> bool:
        return self.cmd(["image", "inspect", ref]).returncode == 0

    def build(
        self,
        tag: str,
        dockerfile: str | Path,
        *,
        context: Path | None = None,
        target: str | None = None,
        network_host: bool = False,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """``docker build`` (the legacy builder) of ``dockerfile`` (a file, or its text) in
        ``context`` (None: no context, the Dockerfile is the whole input). On failure the
        error holds the build's last output lines."""
        args = ["build", "-t", tag]
        if target:
            args += ["--target", target]
        if network_host:
            args += ["--network", "host"]
        text = None if isinstance(dockerfile, Path) else dockerfile
        if context is None:
            args += ["-"]
        else:
            args += ["-f", "-" if text is not None else str(dockerfile), str(context)]
        proc = self.cmd(args, timeout=timeout, stdin=text)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-LOG_TAIL:])
            raise EngineError(f"docker build -t {tag} -> {proc.returncode}:\n{tail}")
        return proc

    # -- containers --------------------------------------------------------------------------
    def new_name(self, prefix: str = "pyinit-docker") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self._names.append(name)
        return name

    def run_args(self, image: str, command: Sequence[str], opts: Sequence[str]) -> list[str]:
        # --bridge=none: there is no default bridge network, so every container says which.
        return ["run", "--network", "none", *opts, image, *command]

    def start(
        self,
        image: str,
        command: Sequence[str] = (),
        *,
        opts: Sequence[str] = (),
        init: Path | None = None,
    ) -> str:
        """``docker run -d``; ``init`` runs that file as docker-init (adds ``--init``)."""
        name = self.new_name()
        with self.init_as(init) if init else contextlib.nullcontext():
            self.cmd(
                self.run_args(
                    image, command, ["-d", "--name", name, *(["--init"] if init else []), *opts]
                ),
                check=True,
            )
        return name

    def run(
        self,
        image: str,
        command: Sequence[str] = (),
        *,
        opts: Sequence[str] = (),
        init: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """``docker run --rm`` in the foreground; the CompletedProcess has the container's code."""
        name = self.new_name()
        extra = ["--rm", "--name", name, *(["--init"] if init else []), *opts]
        with self.init_as(init) if init else contextlib.nullcontext():
            return self.cmd(self.run_args(image, command, extra), timeout=timeout)

    @contextlib.contextmanager
    def init_as(self, init: Path) -> Iterator[None]:
        """While inside, ``docker run --init`` runs ``init`` as /sbin/docker-init (see above)."""
        with _flock("init.lock"):
            _point_init(init.resolve())
            try:
                yield
            finally:
                _point_init(DOCKER_INIT)

    def stop(self, name: str, timeout: int | None) -> Stopped:
        """``docker stop [-t TIMEOUT]``: how long it takes, and the exit code."""
        t0 = time.monotonic()
        self.cmd(
            ["stop", *(["-t", str(timeout)] if timeout is not None else []), name],
            timeout=(timeout or 10) + 30,
            check=True,
        )
        seconds = time.monotonic() - t0
        return Stopped(seconds=seconds, exit_code=self.wait(name))

    def kill(self, name: str, sig: str) -> None:
        self.cmd(["kill", "-s", sig, name], check=True)

    def top(self, name: str) -> list[dict[str, str]]:
        """``docker top``: the container's processes, seen from the host (any image, no ``ps``
        needed in it): host pid, stat, args."""
        out = self.cmd(["top", name, "-o", "pid,stat,args"], check=True).stdout
        rows = []
        for line in out.splitlines()[1:]:
            parts = line.split(None, 2)
            if len(parts) == 3:
                rows.append({"pid": parts[0], "stat": parts[1], "args": parts[2]})
        return rows

    def remove(self, *names: str) -> None:
        if names:
            self.cmd(["rm", "--force", *names], timeout=60)

    def cleanup(self) -> None:
        names, self._names = self._names, []
        self.remove(*names)

    # -- lifetime ----------------------------------------------------------------------------
    def release(self) -> None:
        """Remove our containers; stop the daemon if no one else uses it (and none said keep)."""
        self.cleanup()
        users, self._users = self._users, None
        if users is None:
            return
        with _flock("start.lock"):
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                users.close()
                return  # another run still uses it: the last one to leave stops it
            try:
                pid = _pid()
                if pid is not None and not KEEP.exists():
                    _stop_pid(pid)
            finally:
                users.close()


def engine() -> Engine:
    """Start our dockerd, or reuse the running one; :meth:`Engine.release` when done."""
    cli = docker_cli()
    if cli is None or shutil.which("dockerd") is None:
        raise EngineError("dockerd or its client is not installed (apt-get install docker.io)")
    with _flock("start.lock"):
        users = open(ENGINE_DIR / "users.lock", "a+")  # noqa: SIM115 (held until release)
        fcntl.flock(users, fcntl.LOCK_SH)
        started = False
        try:
            pid = _pid()
            if not (pid and _answers()):
                if pid:  # ours, but hung: never two daemons on one data-root
                    _stop_pid(pid)
                _start_daemon()
                started = True
        except BaseException:
            users.close()
            raise
    env = dict(os.environ, DOCKER_HOST=f"unix://{SOCKET}", DOCKER_BUILDKIT="0")
    return Engine(cli=cli, started=started, env=env, _users=users)


_unavailable: dict[str, str | None] = {}


def engine_unavailable_reason() -> tuple[Engine | None, str | None]:
    """(engine, None) when our dockerd runs a container here, else (None, a one-line reason +
    dockerd's last log lines)."""
    try:
        eng = engine()
    except (OSError, EngineError, subprocess.SubprocessError) as exc:
        return None, f"the Docker engine cannot start here: {exc}"
    return eng, None


# -- base images -------------------------------------------------------------------------------


def tree_hash(folder: Path) -> str:
    """A hash of a folder's names, modes, link targets and file contents."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        st = path.lstat()
        digest.update(f"{rel}\0{st.st_mode:o}\0".encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def import_rootfs(eng: Engine, folder: Path, repo: str, changes: Sequence[str] = ()) -> str:
    """``docker import`` a root filesystem folder as ``repo:<hash of its content>``; return the
    tag. An image of the same content is reused."""
    key = hashlib.sha256((tree_hash(folder) + "\0" + "\0".join(changes)).encode()).hexdigest()[:16]
    tag = f"{repo}:{key}"
    if not eng.has_image(tag):
        tarball = folder.parent / f"{folder.name}.tar"
        with tarfile.open(tarball, "w") as tar:
            tar.add(folder, arcname=".")
        args = ["import"]
        for change in changes:
            args += ["--change", change]
        eng.cmd([*args, str(tarball), tag], timeout=300, check=True)
        tarball.unlink()
    return tag


def prune_images(eng: Engine, reference: str, keep_hours: float = PRUNE_AFTER_HOURS) -> None:
    """Remove the images matching ``reference`` (e.g. ``pyinit-test/*``) created more than
    ``keep_hours`` ago: what earlier builds of the binary left. Not the newer ones: another run
    (another clone) may be using them now, as the engine is shared. An old image still in use
    by this run is simply made again (call this before making the images)."""
    out = eng.cmd(
        ["image", "ls", "--filter", f"reference={reference}", "--format", "{{.ID}} {{.CreatedAt}}"]
    ).stdout
    now = datetime.datetime.now(datetime.timezone.utc)
    old = []
    for line in out.splitlines():
        ident, _, created = line.partition(" ")
        try:  # "2026-12-01 21:16:00 +0000 UTC"
            stamp = datetime.datetime.strptime(created[:25], "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            continue
        if (now - stamp).total_seconds() > keep_hours * 3600:
            old.append(ident)
    if old:
        eng.cmd(["image", "rm", "--force", *dict.fromkeys(old)], timeout=120)


# Debian 12, as the official debian:12-slim is made: mmdebstrap's apt variant (essential +
# apt) from Debian's own mirrors, without docs, man pages and locales. The sources are the
# official image's, so `apt-get update` in a `docker build --network host` works.
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRRORS = (
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
)
DEBIAN_OPTIONS = (
    "--variant=apt",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
)
DEBIAN_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    'CMD ["bash"]',
)
DEBIAN_TAGS = ("debian:12-slim",)  # the names Dockerfile.example builds FROM
BASE_LABEL = "org.pyinit.base-inputs"


# This machine reaches PyPI through a TLS-intercepting proxy whose CA only the host trusts (its
# bundle, and PIP_CERT/SSL_CERT_FILE pointing at it). The local debian:12-slim carries that
# bundle, the local CAs it was made from (/usr/local/share/ca-certificates: a later install of
# Debian's ca-certificates regenerates the bundle from them) and those variables, as a company's
# base image does, so Dockerfile.example needs nothing for it.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
HOST_LOCAL_CAS = Path("/usr/local/share/ca-certificates")
TRUST_DOCKERFILE = """FROM {pristine}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY local/ /usr/local/share/ca-certificates/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
LABEL {label}={key}
"""


def debian_base_image(eng: Engine) -> str:
    """Make ``debian:12-slim`` locally, offline from any registry: a root filesystem from
    Debian's packages (cached as /var/cache/pyinit/docker-base-<hash of inputs>.tar), imported
    with a label holding that hash, so an image of the same inputs is never made twice."""
    mmdebstrap = shutil.which("mmdebstrap")
    if mmdebstrap is None:
        raise EngineError("mmdebstrap is not installed (apt-get install mmdebstrap)")
    version = subprocess.run(
        [mmdebstrap, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    inputs = "\0".join((version, DEBIAN_SUITE, *DEBIAN_MIRRORS, *DEBIAN_OPTIONS, *DEBIAN_CHANGES))
    key = hashlib.sha256(inputs.encode()).hexdigest()[:16]
    bundle = HOST_CA_BUNDLE.read_bytes() if HOST_CA_BUNDLE.is_file() else b""
    local = sorted(HOST_LOCAL_CAS.glob("*.crt")) if HOST_LOCAL_CAS.is_dir() else []
    trust = bundle + b"".join(p.name.encode() + b"\0" + p.read_bytes() for p in local)
    final_key = hashlib.sha256(f"{key}\0".encode() + trust).hexdigest()[:16]
    first = DEBIAN_TAGS[0]
    label = f'{{{{index .Config.Labels "{BASE_LABEL}"}}}}'
    have = eng.cmd(["image", "inspect", "--format", label, first])
    if have.returncode != 0 or have.stdout.strip() != final_key:
        pristine = f"pyinit-base/debian-{DEBIAN_SUITE}:{key}"
        if not eng.has_image(pristine):
            _import_debian(eng, mmdebstrap, key, pristine)
        with tempfile.TemporaryDirectory(prefix="pyinit-trust-") as tmp:
            (Path(tmp) / "ca-certificates.crt").write_bytes(bundle)
            (Path(tmp) / "local").mkdir()
            for cert in local:
                shutil.copyfile(cert, Path(tmp) / "local" / cert.name)
            text = TRUST_DOCKERFILE.format(pristine=pristine, label=BASE_LABEL, key=final_key)
            if not bundle:
                text = f"FROM {pristine}\nLABEL {BASE_LABEL}={final_key}\n"
            eng.build(first, text, context=Path(tmp))
    for tag in DEBIAN_TAGS[1:]:
        eng.cmd(["tag", first, tag], check=True)
    return first


def _import_debian(eng: Engine, mmdebstrap: str, key: str, tag: str) -> None:
    tarball = CACHE / f"docker-base-{key}.tar"
    if not tarball.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = tarball.with_name(f"{tarball.name}.{os.getpid()}.partial.tar")
        proc = subprocess.run(
            [mmdebstrap, *DEBIAN_OPTIONS, DEBIAN_SUITE, str(partial), *DEBIAN_MIRRORS],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if proc.returncode != 0:
            partial.unlink(missing_ok=True)
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-LOG_TAIL:])
            raise EngineError(f"mmdebstrap {DEBIAN_SUITE} failed ({proc.returncode}):\n{tail}")
        partial.replace(tarball)
    args = ["import"]
    for change in DEBIAN_CHANGES:
        args += ["--change", change]
    eng.cmd([*args, str(tarball), tag], timeout=600, check=True)


# -- command line ------------------------------------------------------------------------------


def _main(argv: list[str]) -> int:
    usage = "usage: python -m harness.docker_engine exec -- CMD... | import DIR REPO | start | stop"
    if not argv or argv[0] not in ("exec", "import", "start", "stop"):
        print(usage, file=sys.stderr)
        return 2
    if argv[0] == "stop":
        print("docker_engine: stopped" if stop_daemon() else "docker_engine: was not running")
        return 0
    command = argv[2:] if argv[1:2] == ["--"] else argv[1:]
    if argv[0] in ("exec", "import") and not command or argv[0] == "import" and len(command) != 2:
        print(usage, file=sys.stderr)
        return 2
    try:
        eng = engine()
    except (OSError, EngineError, subprocess.SubprocessError) as exc:
        print(f"docker_engine: {exc}", file=sys.stderr)
        return CANNOT_START
    if argv[0] == "start":
        KEEP.touch()
        print(f"DOCKER_HOST={eng.host}")
        return 0
    try:
        if argv[0] == "import":
            prune_images(eng, command[1])
            print(import_rootfs(eng, Path(command[0]), command[1]))
            return 0
        return subprocess.run(command, env=eng.env, check=False).returncode
    except (OSError, EngineError, subprocess.SubprocessError) as exc:
        print(f"docker_engine: {exc}", file=sys.stderr)
        return 1
    finally:
        eng.release()


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
