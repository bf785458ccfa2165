"""pyinit, with a bug injected into its loop once: the first signal it carries out raises.

``buggy_pyinit.py PYINIT-ARGS...``: pyinit must log the bug and go on supervising.
"""

from __future__ import annotations

import sys

import pyinit.__main__ as main
import pyinit.supervisor as supervisor

carry_out = supervisor.Supervisor.carry_out


def once(self: supervisor.Supervisor, *args: object) -> None:
    supervisor.Supervisor.carry_out = carry_out  # type: ignore[method-assign]
    raise RuntimeError("injected bug")


supervisor.Supervisor.carry_out = once  # type: ignore[method-assign]
sys.exit(main.main(sys.argv[1:]))
