"""The demo backtest behind ``make demo``: EMA(10/20) cross on 100,000 EUR/USD 1-minute bars.

The bars are a seeded random walk (`core.testkit.data.random_walk_bars`), so every machine
runs the same data and prints the same digest.
"""

from __future__ import annotations

import time

from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.model import AccountType, Money, OmsType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.cli_types import positive_int

__all__ = ["DEMO_BAR_TYPE", "build_demo_engine", "format_report", "register", "run_demo"]

DEMO_BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
DEMO_BARS = 100_000
DEMO_SEED = 7


def build_demo_engine(
    bars: int = DEMO_BARS, seed: int = DEMO_SEED, log_level: str = "ERROR"
) -> BacktestEngine:
    """Return a ready-to-run engine: SIM venue (NETTING, MARGIN, 1,000,000 USD), EUR/USD,
    the bars, and the EMA cross strategy trading 100,000 units."""
    engine = BacktestEngine(BacktestEngineConfig(trader_id="BACKTESTER-001", log_level=log_level))
    engine.add_venue(
        Venue("SIM"),
        OmsType.NETTING,
        AccountType.MARGIN,
        starting_balances=[Money(1_000_000, USD)],
        base_currency=USD,
    )
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    engine.add_instrument(instrument)
    engine.add_data(random_walk_bars(bars, seed=seed), bar_type=DEMO_BAR_TYPE)
    engine.add_strategy(
        EMACross(
            EMACrossConfig(
                instrument_id=str(instrument.id),
                bar_type=DEMO_BAR_TYPE,
                trade_size=100_000,
                fast_ema_period=10,
                slow_ema_period=20,
            )
        )
    )
    return engine


def format_report(engine: BacktestEngine, wall_seconds: float) -> str:
    """Return the printed summary of a finished run."""
    result = engine.get_result()
    account = engine.cache.account_for_venue(Venue("SIM"))
    lines = [
        "Flotilla backtest: EMA(10/20) cross, EUR/USD.SIM 1-minute bars",
        f"  bars processed      {result.iterations:,}",
        f"  orders              {result.total_orders:,}",
        f"  fills               {result.total_fills:,}",
        f"  positions           {result.total_positions:,}",
        f"  denied / dropped    {result.denied_orders} / {result.dropped_data}",
        f"  account balance     {account.balance_total(USD).to_formatted_str()}",
        "  statistics (USD):",
    ]
    for key, value in result.stats_pnls.get("USD", {}).items():
        if key == "Currency":
            continue
        shown = f"{value:,.4f}" if isinstance(value, float) else f"{value}"
        lines.append(f"    {key:<31} {shown}")
    lines += [
        f"  digest              {result.digest}",
        f"  run time            {result.elapsed_time:.3f} s (engine), {wall_seconds:.3f} s "
        f"(with set-up)",
        f"  events/s            {result.iterations / result.elapsed_time:,.0f} bars/s",
    ]
    return "\n".join(lines)


def register(commands) -> None:
    """Add ``flotilla demo`` to the command line."""
    demo = commands.add_parser(
        "demo",
        help="run the EMA cross demo backtest on bundled (seeded) EUR/USD bars",
        description="Run the EMA(10/20) cross backtest on seeded EUR/USD 1-minute bars and "
        "print its report.",
        epilog="examples:\n  flotilla demo\n  flotilla demo --bars 20000",
    )
    demo.add_argument(
        "--bars",
        type=positive_int,
        default=DEMO_BARS,
        help=f"number of 1-minute bars (default {DEMO_BARS})",
    )
    demo.set_defaults(func=_demo_command)


def _demo_command(args) -> int:
    print(run_demo(args.bars))
    return 0


def run_demo(bars: int = DEMO_BARS) -> str:
    """Build, run and return the report of the demo backtest."""
    started = time.perf_counter()
    engine = build_demo_engine(bars)
    engine.run()
    report = format_report(engine, time.perf_counter() - started)
    engine.dispose()
    return report
