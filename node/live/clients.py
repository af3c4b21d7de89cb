"""What a data source implements to feed a `TradingNode` (the replay feed, exchange adapters).

A data client's `run` coroutine puts data points (`QuoteTick`, `TradeTick`, `Bar`, ... fresh
objects the node may restamp) on the node's bounded queue, in the order they happened, awaiting
when the queue is full (that wait is the backpressure: count it in `waits`, drop nothing), and
returns when its feed ends; the node then stops as at the end of data. It runs on the node's
loop: never block it (no sleeping calls, no blocking sockets).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod

__all__ = ["LiveDataClient"]


class LiveDataClient(ABC):
    """A source of market data for a node (see the module docstring)."""

    #: how many times `run` found the queue full and waited
    waits: int = 0
    #: data points put on the queue
    sent: int = 0

    @abstractmethod
    async def run(self, queue: asyncio.Queue, end_ns: int | None = None) -> None:
        """Put data on `queue` until the feed ends (or `end_ns`, UNIX ns, if given), then
        return; cancelled when the node stops first."""

    async def put(self, queue: asyncio.Queue, data) -> None:
        """Put `data` on `queue`, counting a wait when it is full."""
        if queue.full():
            self.waits += 1
            await queue.put(data)
        else:
            queue.put_nowait(data)
        self.sent += 1
