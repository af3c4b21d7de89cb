"""The ``flotilla`` command.

Today it runs the demo backtest (``flotilla demo``); the backtest/grid/node/cluster/worker/catalog
commands arrive with their issues.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flotilla",
        description="Flotilla: event-driven trading, fast backtests.",
        epilog="example: flotilla demo --bars 100000",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="run the EMA cross demo backtest on bundled (seeded) EUR/USD bars",
        epilog="example: flotilla demo --bars 100000",
    )
    demo.add_argument(
        "--bars", type=int, default=100_000, help="number of 1-minute bars (default 100000)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 usage error)."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        if args.bars <= 0:
            print(f"flotilla demo: --bars {args.bars} invalid, expected > 0", file=sys.stderr)
            return 2
        from node.demo import run_demo

        print(run_demo(args.bars))
    return 0


if __name__ == "__main__":
    sys.exit(main())
