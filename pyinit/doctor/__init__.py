"""``pyinit doctor [PID]``: explain why a container will (not) stop and what is left behind.

Exit codes: 0 nothing wrong, 1 problems found, 2 usage error, 3 cannot read the process.

Run inside a container (``docker exec CTR pyinit doctor``) or on any pid from the host.
Nothing here is imported on the init's start-up path.

The modules: ``cli`` (arguments, exit codes, output), ``proc`` (every read of /proc),
``kinds`` (what a name stands for: init, shell, pod sandbox), ``pod`` (finding the
container's own top process in a shared PID namespace), ``analysis`` (the verdicts),
``report`` (the data) and ``render`` (the data as text).
"""

from __future__ import annotations

from pyinit.doctor.cli import main

__all__ = ["main"]
