"""Layer 2: the node's state (`Cache`)."""

from core.cache.cache import Cache

__all__ = ["Cache"]
