"""Live and sandbox trading nodes: `TradingNode` on an asyncio loop (see `node.live.node`)."""

from node.live.clients import LiveDataClient
from node.live.config import SandboxSettings, TradingNodeConfig
from node.live.node import NodeRunSummary, TradingNode, run_node

__all__ = [
    "LiveDataClient",
    "NodeRunSummary",
    "SandboxSettings",
    "TradingNode",
    "TradingNodeConfig",
    "run_node",
]
