"""``flotilla node run CONFIG``: run a trading node until its feed ends or SIGTERM/SIGINT.

Prints every fill (``--fills N`` for the first N) and the node's summary on stdout; a live
status line on stderr when it is a terminal. Exit codes: 0 (feed ended or SIGTERM), 1 (a
handler error stopped the node, or a bad config), 130 (Ctrl-C, one line).
"""

from __future__ import annotations

import sys

import msgspec

__all__ = ["format_fill", "register"]


def register(commands) -> None:
    """Add ``node run`` to the command line."""
    node = commands.add_parser(
        "node",
        help="run a trading node (sandbox: paper trading on a replayed feed)",
        description="Trading nodes: one process, an asyncio loop feeding the kernel.",
        epilog="examples:\n"
        "  flotilla node run configs/sandbox.toml\n"
        "  flotilla node run configs/sandbox.toml --replay-speed 10",
    )
    sub = node.add_subparsers(dest="node_command", required=True)
    run = sub.add_parser(
        "run",
        help="run a node from a TOML/YAML/JSON config",
        description="Run a TradingNodeConfig: a run config (venues, data, strategies) plus a "
        "[node] table. environment = 'sandbox' simulates the venues on the replay of the "
        "config's catalog data (paper trading). Prints the fills and a summary.",
        epilog="examples:\n"
        "  flotilla node run configs/sandbox.toml --replay-speed max\n"
        "  flotilla node run configs/sandbox.toml --replay-speed 60   # 60x real pace\n"
        "  flotilla node run configs/sandbox.toml --fills 20",
    )
    run.add_argument("config", help="the node config (.toml, .yaml or .json)")
    run.add_argument(
        "--replay-speed",
        metavar="SPEED",
        help="'max' or a factor > 0 (1 = the recorded pace); overrides node.replay_speed",
    )
    run.add_argument(
        "--fills",
        type=_count,
        default=None,
        metavar="N",
        help="print the first N fills (default: all)",
    )
    run.set_defaults(func=_run, command="node run")


def _count(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}, expected an integer >= 0"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid value {value}, expected an integer >= 0")
    return value


def format_fill(fill) -> str:
    """One fill as a line: time, client order id, side, quantity, price, commission."""
    from core.common.logging import format_iso8601_ns

    return (
        f"{format_iso8601_ns(fill.ts_event)}  {fill.client_order_id.value}  "
        f"{fill.order_side.name:<4}  {fill.last_qty}  @ {fill.last_px}  "
        f"commission {fill.commission}"
    )


def _status_printer():
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.live import Live

    live = Live(console=Console(stderr=True), transient=True, refresh_per_second=4)

    def show(summary) -> None:
        live.update(
            f"node {summary.trader_id} ({summary.environment}): {summary.events:,} events, "
            f"{summary.orders:,} orders, {summary.fills:,} fills, {summary.open_orders} open, "
            f"{summary.positions_open} positions open, {summary.handler_errors} handler errors"
        )

    return live, show


def _run(args) -> int:
    from node.config import config_from_dict, read_config_file
    from node.live.config import TradingNodeConfig
    from node.live.node import TradingNode

    data = read_config_file(args.config)
    if args.replay_speed is not None and isinstance(data, dict):
        data = {**data, "node": {**(data.get("node") or {}), "replay_speed": args.replay_speed}}
    config = config_from_dict(data, TradingNodeConfig, source=str(args.config))
    node = TradingNode(config)
    live, show = _status_printer()
    try:
        if live is not None:
            with live:
                summary = node.run(show)
        else:
            summary = node.run()
        fills = node.fills
    finally:
        node.dispose()
    shown = fills if args.fills is None else fills[: args.fills]
    out = sys.stdout
    for fill in shown:
        out.write(format_fill(fill) + "\n")
    if len(shown) < len(fills):
        out.write(f"... {len(fills) - len(shown)} more fills\n")
    out.write(_format_summary(summary))
    out.flush()
    if summary.stopped_by == "SIGINT":
        print("flotilla node run: interrupted", file=sys.stderr)
        return 130
    if summary.stopped_by == "error":
        print(f"flotilla node run: error: {summary.error}", file=sys.stderr)
        return 1
    return 0


def _format_summary(summary) -> str:
    fields = msgspec.structs.asdict(summary)
    width = max(len(k) for k in fields)
    lines = ["node summary"]
    for key, value in fields.items():
        if key == "error" and not value:
            continue
        if key == "elapsed_secs":
            value = f"{value:.3f}"
        lines.append(f"  {key:<{width}}  {value}")
    return "\n".join(lines) + "\n"
