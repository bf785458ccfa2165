"""pyinit: a minimal PID-1 init for containers."""

__version__ = "0.1.0"
