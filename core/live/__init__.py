"""The per-event part of a live or sandbox node, in C (`core.live.dispatch`); the node itself
(asyncio loop, clients, CLI) lives in `node.live`."""
