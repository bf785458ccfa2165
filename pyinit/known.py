"""What pyinit's tools know about other programs: inits, shells, wrappers, pod sandboxes.

One table for ``pyinit doctor`` (which looks at running processes) and ``pyinit check``
(which reads Dockerfiles), so the two never disagree on what is an init or a shell. Data
only, no imports: the init itself never needs it (tests/test_layout.py).
"""

from __future__ import annotations

#: Shells by program name. busybox counts when it runs one of them (``busybox sh``).
SHELLS: frozenset[str] = frozenset(
    {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "yash", "hush", "busybox"}
)

#: Inits and supervisors that reap every zombie, by program name -> family.
INITS: dict[str, str] = {
    "pyinit": "pyinit",
    "tini": "tini",
    "tini-static": "tini",
    "docker-init": "tini",  # `docker run --init` ships tini under this name
    "dumb-init": "dumb-init",
    "catatonit": "catatonit",
    "s6-svscan": "s6",
    "s6-linux-init": "s6",
    "s6-overlay-suexec": "s6",
    "runsvdir": "runit",
    "runit": "runit",
    "runit-init": "runit",
    "my_init": "my_init",  # phusion/baseimage
    "supervisord": "supervisord",
    "systemd": "systemd",
    "openrc-init": "openrc",
    "init": "init",
}

#: The families that run their command line's rest as their one child (``tini -- app``),
#: so an entrypoint chain goes on through them; the others supervise services of their own.
CHILD_RUNNERS: frozenset[str] = frozenset({"pyinit", "tini", "dumb-init", "catatonit"})

#: Families that put the child in its own session and signal its whole process group.
GROUP_FORWARDERS: frozenset[str] = frozenset({"pyinit", "dumb-init"})

#: Programs that exec the rest of their arguments, after options and N words of their own
#: (``gosu USER app``: 1).
WRAPPERS: dict[str, int] = {
    "gosu": 1,
    "su-exec": 1,
    "s6-setuidgid": 1,
    "setpriv": 0,
    "nice": 0,
    "chpst": 0,
    "env": 0,
}

#: Pod sandboxes: the PID 1 of a pod whose containers share one PID namespace (Kubernetes
#: ``shareProcessNamespace: true``, ``podman pod create --share pid``). Each holds the
#: namespace open and reaps; none runs the workload. Name -> an argument the command line
#: must hold (catatonit is also podman's ``--init``, where it is a real init; ``-P`` makes it
#: the pod's pause process), or "" for none.
SANDBOXES: dict[str, str] = {"pause": "", "catatonit": "-P", "podman-pause": ""}
