"""Entry script of the frozen builds (dist/pyinit, dist/pyinit-onedir, dist/pyinit-static).

It runs pyinit exactly as ``python -m pyinit`` would, after one fix-up that only
a frozen pyinit needs: the environment its children inherit must not point
into pyinit's own bundle (see pyinit/frozen.py and docs/FROZEN.md).
"""

from pyinit.frozen import restore_environ

restore_environ()

from pyinit.__main__ import main_exit  # noqa: E402 - after the environment is fixed

main_exit()
