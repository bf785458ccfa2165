"""Entry script of the frozen builds (dist/pyinit, dist/pyinit-onedir, dist/pyinit-static).

It runs pyinit exactly as ``python -m pyinit`` would, after what only a frozen pyinit
needs (pyinit/frozen.py, docs/FROZEN.md): the environment its children inherit must not
point into pyinit's own bundle, and the unpacked folder's lock is taken over (and the
folders of killed earlier runs swept). ``main_exit`` removes the folder at exit.
"""

from pyinit.frozen import adopt, restore_environ

restore_environ()
adopt()

from pyinit.__main__ import main_exit  # noqa: E402 - after the environment is fixed

main_exit()
