"""Run staticx with pyinit's patched bootloader instead of the one in staticx's package.

    python packaging/run_staticx.py BOOTLOADER [STATICX OPTIONS] PROG OUTPUT

staticx has no option to choose its bootloader: it copies the asset ``assets/release/bootloader``
from its own package into the output. This runs staticx's own command line with that one asset
swapped for BOOTLOADER (built by ``packaging/bootloader/build.sh --staticx``), so the installed
staticx is never modified. Used by ``scripts/build-binary --static``; written for staticx 0.14.2,
where ``staticx.api`` imports ``copy_asset_to_tempfile`` by name.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import staticx.api
from staticx.__main__ import main
from staticx.utils import copy_fileobj_to_tempfile


def use_bootloader(path: str) -> None:
    stock = staticx.api.copy_asset_to_tempfile

    def copy_asset_to_tempfile(name: str, debug: bool, **kwargs: Any) -> IO[bytes]:
        if name != "bootloader":
            return stock(name, debug, **kwargs)
        with open(path, "rb") as ours:
            return copy_fileobj_to_tempfile(ours, **kwargs)

    staticx.api.copy_asset_to_tempfile = copy_asset_to_tempfile


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: run_staticx.py BOOTLOADER [STATICX OPTIONS] PROG OUTPUT")
    use_bootloader(sys.argv.pop(1))
    sys.argv[0] = "staticx"
    main()
