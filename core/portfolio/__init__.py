"""Layer 3: the `Portfolio`."""

from core.portfolio.portfolio import Portfolio

__all__ = ["Portfolio"]
