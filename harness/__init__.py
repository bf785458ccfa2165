"""The development harness: the real container engines the tests and the demo run pyinit in.

:mod:`harness.containers` runs podman + runc (with the ``containers.conf`` this host needs) and
builds the hand-made root filesystem, busybox-static, glibc's loader and the libraries of the
frozen ``dist/pyinit``, no Python; :mod:`harness.docker_engine` starts (or reuses) a private
Debian dockerd and makes Docker images of that root filesystem or of a Debian base. tests/ and
``scripts/demo`` use them (from the shell, in the repository root: ``python -m
harness.containers`` and ``python -m harness.docker_engine``); the init never does. A dev-only
package: in the sdist, not in the wheel, and it imports nothing from tests/ nor pytest.
"""
