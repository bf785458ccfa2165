"""What pyinit does with one signal: the whole routing policy, as one pure function.

``route(signo, from_self, config, phase, pid1)`` answers, without a system call: reap, ignore,
drop, or send which signal to whom; whether pyinit then stops itself; and at which log level
the decision is worth a line. The supervisor (supervisor.py) only carries the answer out, and
its fast path is the set of signals whose answer is "send it on unchanged, say nothing"
(:func:`verbatim`), computed from this same function so the two cannot disagree.
``tests/test_unit.py`` checks it over every signal x mode x phase x sender.
"""

from __future__ import annotations

from pyinit.log import DEBUG, INFO
from pyinit.signals import (
    FORWARDED,
    JOB_CONTROL,
    SIGCHLD,
    SIGCONT,
    SIGHUP,
    SIGSTOP,
    translate,
)

TYPE_CHECKING = False  # typing costs start-up time; type checkers treat this as True
if TYPE_CHECKING:
    from pyinit.cli import Config

#: Phases of pyinit's life: the child runs; the child has exited and ``--grace`` waits.
RUNNING, SHUTDOWN = "running", "shutdown"

#: What to do (``Route.kind``).
REAP = "reap"  # SIGCHLD: collect every child that has changed state
IGNORE = "ignore"  # the kernel's SIGHUP/SIGCONT after our own TIOCNOTTY (spawn.from_self)
DROP = "drop"  # rewritten to 0 (``-r TERM:0``)
SEND = "send"  # send ``Route.signal`` to ``Route.target``

#: Whom to send to (``Route.target``).
GROUP = "group"  # the child's process group (session mode, the default)
CHILD = "child"  # the child alone (``-c``)
REST = "rest"  # after the child's exit: its group, and with --grace every orphan too

#: Signals whose default action stops the process that gets them.
_STOPPING = JOB_CONTROL | {SIGSTOP}


class Route:
    """One decision. Equal routes compare equal, so tests can compare them whole."""

    __slots__ = ("kind", "signal", "target", "stop_self", "level")

    def __init__(
        self,
        kind: str,
        signal: int = 0,
        target: str = "",
        stop_self: bool = False,
        level: int = DEBUG,
    ) -> None:
        self.kind = kind
        self.signal = signal  # what to send (SEND only)
        self.target = target  # GROUP, CHILD or REST (SEND only)
        self.stop_self = stop_self  # stop pyinit after sending (job control)
        self.level = level  # the log level at which this decision gets a line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Route) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Route({fields})"


def route(signo: int, from_self: bool, config: Config, phase: str, pid1: bool = False) -> Route:
    """Decide what pyinit does with ``signo``.

    ``from_self``: the signal was sent with pyinit's own pid as SI_USER, which only the
    kernel's reaction to our TIOCNOTTY can do (``spawn.from_self``). ``pid1``: pyinit is
    PID 1 of its namespace.

    Job control: after passing on TSTP, TTIN or TTOU in a way that stops the child, pyinit
    stops itself too, so that a shell that started it sees its job stop and gets its prompt
    back; ``fg`` then continues both (dumb-init's rule). Not as PID 1: no shell waits for
    it there, and the kernel ignores a SIGSTOP that PID 1 sends itself only after it has
    discarded every pending SIGCONT (kernel/signal.c, prepare_signal), so a SIGCONT that
    came right behind the TSTP would be lost and the child stay stopped
    (tests/test_job_control.py). In session mode the child's group is an
    orphaned process group, for which the kernel discards TSTP/TTIN/TTOU, so there only a
    SIGSTOP stops it; with ``-c`` the child shares pyinit's group and any of the four does.
    A job-control signal rewritten into something else (``-r TSTP:USR1``, ``-r TSTP:0``)
    stops nobody, so pyinit keeps running (dumb-init stops itself anyway).
    """
    if signo == SIGCHLD:
        return Route(REAP, level=DEBUG)
    if from_self and signo in (SIGHUP, SIGCONT):
        return Route(IGNORE, level=DEBUG)
    sent = translate(signo, config.rewrites)
    if sent == 0:
        return Route(DROP, level=INFO)
    if phase == SHUTDOWN:
        target = REST
    else:
        target = GROUP if config.session else CHILD
    stops_child = sent == SIGSTOP or (not config.session and sent in _STOPPING)
    return Route(
        SEND,
        signal=sent,
        target=target,
        stop_self=signo in JOB_CONTROL and stops_child and not pid1,
        level=INFO,
    )


def verbatim(config: Config, level: int, pid1: bool = False) -> frozenset[int]:
    """The fast path's signals: sent on unchanged to the child (or its group), from any
    sender, with no self-stop and nothing to log at ``level``."""
    fast = set()
    for signo in FORWARDED:
        decided = route(signo, False, config, RUNNING, pid1)
        if (
            decided.kind == SEND
            and decided.signal == signo
            and not decided.stop_self
            and decided.level > level
            and route(signo, True, config, RUNNING, pid1) == decided
        ):
            fast.add(signo)
    return frozenset(fast)
