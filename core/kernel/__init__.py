"""The kernel: the one place a node's components are wired (see `core.kernel.kernel`)."""

from core.kernel.kernel import Environment, Kernel, resolve_path

__all__ = ["Environment", "Kernel", "resolve_path"]
