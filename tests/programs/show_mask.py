"""Print this process's blocked-signal mask and what it was handed in _PYINIT_SIGMASK.

Output: ``SigBlk: <hex>``, then ``handed=<value or none>``. (Not sh: dash clears its signal
mask when it starts. SigIgn would be CPython's: it ignores PIPE and XFSZ as it starts.)
"""

from __future__ import annotations

import os

with open("/proc/self/status") as status:
    print(next(" ".join(line.split()) for line in status if line.startswith("SigBlk:")))
print("handed=" + os.environ.get("_PYINIT_SIGMASK", "none"))
