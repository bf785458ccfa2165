"""pyinit: a minimal PID-1 init for containers."""

__version__ = "0.1.0"

#: Where users read the documentation (``pyinit --help`` prints it). The home of this fact
#: is pyproject.toml's [project.urls]; tests/test_unit.py checks that the two agree.
DOCUMENTATION = "https://github.com/pyinit-pid1/pyinit-pid1#readme"
