"""NautilusTrader's example strategies, here with only their imports changed, against NautilusTrader.

Outside ``make test`` (it needs the NautilusTrader 1.231 oracle venv; Flotilla never imports
nautilus_trader)::

    .venv/bin/python tests/compat/run_nt_examples.py [--nt-python /work/nt-venv/bin/python]
        [--bars 5000] [--only ema_cross,blank] [--json table.json]

For every example in the wheel's ``nautilus_trader/examples/strategies/`` (read from the oracle
venv at run time, never copied into this repository) the script:

1. rewrites each ``from nautilus_trader.X import Name`` of the example into an import of the
   same name from Flotilla's own modules (looked up by name; names Flotilla lacks are listed) and
   changes nothing else;
2. runs it in Flotilla's ``BacktestEngine`` on data of our own (the first ``--bars`` bars of the
   demo's EUR/USD minute bars, and quotes and trades derived from them), with the scenario's
   venue and config below;
3. runs the unchanged example in NautilusTrader's ``BacktestEngine`` on the same data (a
   subprocess under the oracle's Python running this file with ``--side nt``);
4. compares the orders (id, side, type, quantity, prices, time in force, status), the fills (time,
   order, side, quantity, price, commission), the closed positions (realized PnL) and the final
   balance, and prints one row per example.

Commissions are compared with ``fee_rounding="float"`` (NautilusTrader's arithmetic, see the
README's "Money" section). ``market_buy_on_start`` uses NautilusTrader's newer API and is exempt.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import importlib
import json
import subprocess
import sys
import traceback
import types
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_BARS = ROOT / "configs" / "data" / "EURUSD-1-MINUTE-MID.csv.gz"
IID = "EUR/USD.SIM"
EXEMPT = {"market_buy_on_start": "uses NautilusTrader's newer API (exempt by the issue)"}

# -- scenarios: the venue, data and config each example runs with ---------------------------
# Config values are symbolic so both sides build them with their own types:
#   ("iid",) InstrumentId of EUR/USD.SIM; ("bar", spec) BarType.from_str(f"{IID}-{spec}");
#   ("dec", "1") Decimal; ("qty", "1") Quantity.from_str; anything else is passed as is.
BID_BARS = "1-MINUTE-BID-EXTERNAL"


def _ema(strategy: str, data: list[str], **extra) -> dict:
    """A scenario of an EMA-family example: EUR/USD BID bars, 100,000 units; `extra` holds
    further config fields, or `oms_type` / `exec_algorithms` for the scenario itself."""
    scenario = {k: extra.pop(k) for k in ("oms_type", "exec_algorithms") if k in extra}
    config = {"instrument_id": ("iid",), "bar_type": ("bar", BID_BARS)}
    config["trade_size"] = ("dec", "100000")
    config.update(extra)
    return {"strategy": strategy, "config": config, "data": data, **scenario}


_TRAILING = {
    "atr_period": 20,
    "trailing_atr_multiple": 3.0,
    "trailing_offset_type": "PRICE",
    "trigger_type": "BID_ASK",
}
SCENARIOS: dict[str, dict] = {
    "blank": {"strategy": "MyStrategy", "config": {"instrument_id": ("iid",)}, "data": ["quotes"]},
    "ema_cross": _ema("EMACross", ["bars", "quotes", "trades"]),
    "ema_cross_long_only": _ema("EMACrossLongOnly", ["bars"]),
    "ema_cross_hedge_mode": _ema("EMACross", ["bars", "trades"], oms_type="HEDGING"),
    "ema_cross_bracket": _ema("EMACrossBracket", ["bars", "quotes"], bracket_distance_atr=1.0),
    "ema_cross_bracket_algo": _ema(
        "EMACrossBracketAlgo", ["bars", "quotes"], bracket_distance_atr=1.0
    ),
    "ema_cross_stop_entry": _ema(
        "EMACrossStopEntry",
        ["bars", "quotes"],
        **_TRAILING,
        trailing_offset=("dec", "0.00050"),
    ),
    "ema_cross_trailing_stop": _ema("EMACrossTrailingStop", ["bars", "quotes"], **_TRAILING),
    "ema_cross_twap": _ema(
        "EMACrossTWAP", ["bars", "quotes"], exec_algorithms=["TWAPExecAlgorithm"]
    ),
    "bb_mean_reversion": _ema("BBMeanReversion", ["bars", "quotes"]),
    "volatility_market_maker": _ema(
        "VolatilityMarketMaker", ["bars", "quotes"], atr_period=20, atr_multiple=2.0
    ),
    "market_maker": {
        "strategy": "MarketMaker",
        "args": [("iid",), ("dec", "100000"), ("dec", "1000000")],
        "data": ["quotes"],
    },
    "grid_market_maker": {
        "strategy": "GridMarketMaker",
        "config": {
            "instrument_id": ("iid",),
            "max_position": ("qty", "1000000"),
            "trade_size": ("qty", "100000"),
        },
        "data": ["quotes"],
    },
    "simpler_quoter": {
        "strategy": "SimpleQuoterStrategy",
        "config": {"instrument_id": ("iid",), "order_qty": ("dec", "100000")},
        "data": ["quotes"],
    },
    "orderbook_imbalance": {
        "strategy": "OrderBookImbalance",
        "config": {
            "instrument_id": ("iid",),
            "max_trade_size": ("dec", "100000"),
            "use_quote_ticks": True,
            "trigger_min_size": 1.0,
        },
        "data": ["quotes"],
    },
    "signal_strategy": {
        "strategy": "SignalStrategy",
        "config": {"instrument_id": ("iid",)},
        "data": ["quotes"],
    },
    "subscribe": {
        "strategy": "SubscribeStrategy",
        "config": {"instrument_id": ("iid",), "quote_ticks": True, "trade_ticks": True},
        "data": ["quotes", "trades"],
    },
}


# -- data of our own, built the same way with each library's types --------------------------


def demo_rows(n: int) -> list[dict]:
    with gzip.open(DEMO_BARS, "rt") as rows:
        out = []
        for row in csv.DictReader(rows):
            out.append(row)
            if len(out) >= n:
                break
    return out


def _ns(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()) * 1_000_000_000


def _px(value: Decimal) -> str:
    return f"{value:.5f}"


def build_data(lib, rows: list[dict], kinds: list[str]) -> list:
    """Return the data of `kinds` in time order: per bar, four quotes (open, high, low, close
    at 15 s steps, bid = price, ask = price + 0.2 pip) and a trade at each, then the bar."""
    iid = lib.InstrumentId.from_str(IID)
    bar_type = lib.BarType.from_str(f"{IID}-{BID_BARS}")
    out = []
    trade_no = 0
    for row in rows:
        ts_bar = _ns(row["timestamp"])
        points = [Decimal(row[k]) for k in ("open", "high", "low", "close")]
        for step, price in enumerate(points):
            ts = ts_bar - (3 - step) * 15_000_000_000 - 1_000_000_000  # strictly before the bar
            if "quotes" in kinds:
                out.append(
                    lib.QuoteTick(
                        iid,
                        lib.Price.from_str(_px(price)),
                        lib.Price.from_str(_px(price + Decimal("0.00002"))),
                        lib.Quantity.from_str("1000000"),
                        lib.Quantity.from_str("1000000"),
                        ts,
                        ts,
                    )
                )
            if "trades" in kinds:
                trade_no += 1
                out.append(
                    lib.TradeTick(
                        iid,
                        lib.Price.from_str(_px(price + Decimal("0.00001"))),
                        lib.Quantity.from_str("100000"),
                        lib.AggressorSide.BUYER if trade_no % 2 else lib.AggressorSide.SELLER,
                        lib.TradeId(f"T-{trade_no}"),
                        ts,
                        ts,
                    )
                )
        if "bars" in kinds:
            out.append(
                lib.Bar(
                    bar_type,
                    lib.Price.from_str(row["open"]),
                    lib.Price.from_str(row["high"]),
                    lib.Price.from_str(row["low"]),
                    lib.Price.from_str(row["close"]),
                    lib.Quantity.from_str(row["volume"]),
                    ts_bar,
                    ts_bar,
                )
            )
    return out


def config_value(lib, value):
    if isinstance(value, tuple):
        kind = value[0]
        if kind == "iid":
            return lib.InstrumentId.from_str(IID)
        if kind == "bar":
            return lib.BarType.from_str(f"{IID}-{value[1]}")
        if kind == "dec":
            return Decimal(value[1])
        if kind == "qty":
            return lib.Quantity.from_str(value[1])
    return value


def _name(value) -> str:
    """An enum or value as text, the same on both sides."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value)


def _call(obj, attr):
    value = getattr(obj, attr)
    return value() if callable(value) else value


def collect(engine, venue, currency) -> dict:
    """The run's orders, fills, closed positions and final balance as plain text."""
    orders, fills = [], []
    for order in engine.cache.orders():
        orders.append(
            [
                str(order.client_order_id),
                _call(order, "side_string"),
                _call(order, "type_string"),
                str(order.quantity),
                str(getattr(order, "price", None)),
                str(getattr(order, "trigger_price", None)),
                _call(order, "tif_string"),
                _call(order, "status_string"),
            ]
        )
        for event in order.events:
            if type(event).__name__ == "OrderFilled":
                fills.append(
                    [
                        event.ts_event,
                        str(event.client_order_id),
                        _name(event.order_side),
                        str(event.last_qty),
                        str(event.last_px),
                        str(event.commission),
                    ]
                )
    fills.sort(key=lambda f: (f[0], f[1]))
    positions = sorted(
        [str(p.id), str(p.realized_pnl)] for p in engine.cache.positions() if p.is_closed
    )
    account = engine.cache.account_for_venue(venue)
    return {
        "orders": orders,
        "fills": fills,
        "positions": positions,
        "balance": str(account.balance_total(currency)),
    }


# -- NautilusTrader's side (runs under the oracle's Python) ---------------------------------


def run_nt(name: str, n_bars: int) -> dict:
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig
    from nautilus_trader.model import data as nt_data
    from nautilus_trader.model import enums, identifiers, objects
    from nautilus_trader.model.currencies import USD
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    lib = types.SimpleNamespace(
        InstrumentId=identifiers.InstrumentId,
        TradeId=identifiers.TradeId,
        BarType=nt_data.BarType,
        Bar=nt_data.Bar,
        QuoteTick=nt_data.QuoteTick,
        TradeTick=nt_data.TradeTick,
        Price=objects.Price,
        Quantity=objects.Quantity,
        AggressorSide=enums.AggressorSide,
    )
    scenario = SCENARIOS[name]
    module = importlib.import_module(f"nautilus_trader.examples.strategies.{name}")
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=identifiers.TraderId("BACKTESTER-001"),
            logging=LoggingConfig(log_level="ERROR"),
        )
    )
    venue = identifiers.Venue("SIM")
    engine.add_venue(
        venue,
        getattr(enums.OmsType, scenario.get("oms_type", "NETTING")),
        enums.AccountType.MARGIN,
        base_currency=USD,
        starting_balances=[objects.Money(1_000_000, USD)],
        book_type=getattr(enums.BookType, scenario.get("book_type", "L1_MBP")),
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    engine.add_data(build_data(lib, demo_rows(n_bars), scenario["data"]))
    for algo in scenario.get("exec_algorithms", []):
        from nautilus_trader.examples.algorithms import twap

        engine.add_exec_algorithm(getattr(twap, algo)())
    engine.add_strategy(_strategy(module, scenario, lib))
    engine.run()
    result = collect(engine, venue, USD)
    engine.dispose()
    return result


def _strategy(module, scenario: dict, lib):
    cls = getattr(module, scenario["strategy"])
    if "args" in scenario:
        return cls(*[config_value(lib, v) for v in scenario["args"]])
    config_cls = next(
        v
        for k, v in vars(module).items()
        if isinstance(v, type) and k.endswith("Config") and v.__module__ == module.__name__
    )
    return cls(config_cls(**{k: config_value(lib, v) for k, v in scenario["config"].items()}))


# -- Flotilla's side -------------------------------------------------------------------------

# Where a NautilusTrader name is looked for here, in this order (first module that has it).
OUR_MODULES = [
    "core.model",
    "core.model.data",
    "core.model.enums",
    "core.model.identifiers",
    "core.model.objects",
    "core.model.orders",
    "core.model.instruments",
    "core.model.events",
    "core.model.position",
    "core.model.book",
    "core.model.currencies",
    "core.trading",
    "core.trading.strategy",
    "core.trading.config",
    "core.indicators",
    "core.common",
    "core.common.logging",
    "core.common.clock",
    "core.correctness",
    "core.config",
    "core.execution",
    "core.execution.algorithm",
    "core.data",
]


def our_name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for module_name in OUR_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in dir(module):
            if not attr.startswith("_"):
                index.setdefault(attr, module_name)
    return index


def rewrite_imports(source: str, index: dict[str, str]) -> tuple[str, list[str]]:
    """Return `source` with every ``from nautilus_trader... import`` pointed at Flotilla's
    modules, and the names Flotilla lacks."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    missing: list[str] = []
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nautilus_trader"):
            new = []
            for alias in node.names:
                target = index.get(alias.name)
                if target is None:
                    missing.append(f"{node.module}.{alias.name}")
                    continue
                as_part = f" as {alias.asname}" if alias.asname else ""
                new.append(f"from {target} import {alias.name}{as_part}\n")
            edits.append((node.lineno, node.end_lineno, "".join(new) or "pass\n"))
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("nautilus_trader") for a in node.names
        ):
            missing.append(", ".join(a.name for a in node.names))
            edits.append((node.lineno, node.end_lineno, "pass\n"))
    for start, end, text in sorted(edits, reverse=True):
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        lines[start - 1 : end] = [indent + t for t in text.splitlines(keepends=True)]
    return "".join(lines), missing


def run_ours(name: str, source: str, n_bars: int) -> dict:
    from core.backtest import BacktestEngine, BacktestEngineConfig
    from core.model import data as our_data
    from core.model import enums, identifiers, objects
    from core.model.currencies import USD
    from core.testkit import TestInstrumentProvider

    lib = types.SimpleNamespace(
        InstrumentId=identifiers.InstrumentId,
        TradeId=identifiers.TradeId,
        BarType=our_data.BarType,
        Bar=our_data.Bar,
        QuoteTick=our_data.QuoteTick,
        TradeTick=our_data.TradeTick,
        Price=objects.Price,
        Quantity=objects.Quantity,
        AggressorSide=enums.AggressorSide,
    )
    scenario = SCENARIOS[name]
    rewritten, missing = rewrite_imports(source, our_name_index())
    if missing:
        return {"error": "missing: " + ", ".join(sorted(set(missing)))}
    module = types.ModuleType(f"nt_example_{name}")
    module.__file__ = f"<{name} with Flotilla imports>"
    sys.modules[module.__name__] = module
    try:
        exec(compile(rewritten, module.__file__, "exec"), module.__dict__)
    except Exception as err:
        return {"error": f"load: {type(err).__name__}: {err}"}
    engine = BacktestEngine(BacktestEngineConfig(trader_id="BACKTESTER-001", log_level="ERROR"))
    venue = identifiers.Venue("SIM")
    options = {"book_type": scenario["book_type"]} if "book_type" in scenario else {}
    engine.add_venue(
        venue,
        getattr(enums.OmsType, scenario.get("oms_type", "NETTING")),
        enums.AccountType.MARGIN,
        [objects.Money(1_000_000, USD)],
        base_currency=USD,
        fee_rounding="float",
        **options,
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    engine.add_data(build_data(lib, demo_rows(n_bars), scenario["data"]))
    for algo in scenario.get("exec_algorithms", []):
        engine.add_exec_algorithm(getattr(importlib.import_module("core.execution"), algo)())
    try:
        engine.add_strategy(_strategy(module, scenario, lib))
        engine.run()
    except Exception as err:
        where = traceback.extract_tb(err.__traceback__)[-1]
        return {"error": f"run: {type(err).__name__}: {err} (line {where.lineno})"}
    return collect(engine, venue, USD)


# -- comparison ------------------------------------------------------------------------------


def compare(ours: dict, nt: dict) -> list[str]:
    """Return the differences, first one of each kind."""
    diffs = []
    for key in ("orders", "fills", "positions"):
        a, b = ours.get(key, []), nt.get(key, [])
        if a != b:
            first = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            x = a[first] if first < len(a) else None
            y = b[first] if first < len(b) else None
            diffs.append(f"{key}: {len(a)} vs {len(b)}; first at #{first}: {x} vs {y}")
    if ours.get("balance") != nt.get("balance"):
        diffs.append(f"balance {ours.get('balance')} vs {nt.get('balance')}")
    return diffs


def examples_dir(nt_python: str) -> Path:
    out = subprocess.run(
        [
            nt_python,
            "-c",
            "import nautilus_trader, os; print(os.path.dirname(nautilus_trader.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return Path(out.stdout.strip()) / "examples" / "strategies"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", choices=["both", "nt"], default="both")
    parser.add_argument("--nt-python", default="/work/nt-venv/bin/python")
    parser.add_argument("--bars", type=int, default=5000)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    if args.side == "nt":  # one example, NautilusTrader's side, JSON on stdout
        name = args.only
        try:
            result = run_nt(name, args.bars)
        except Exception as err:
            result = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(result))
        return 0
    sys.path.insert(0, str(ROOT))
    folder = examples_dir(args.nt_python)
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    table = []
    for name in names:
        if name in EXEMPT:
            table.append({"example": name, "status": "exempt", "note": EXEMPT[name]})
            continue
        if name not in SCENARIOS:
            table.append({"example": name, "status": "no scenario", "note": "add one above"})
            continue
        nt_run = subprocess.run(
            [args.nt_python, __file__, "--side", "nt", "--only", name, "--bars", str(args.bars)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        try:
            nt = json.loads(nt_run.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            nt = {"error": f"oracle failed: {nt_run.stderr.strip()[-300:]}"}
        ours = run_ours(name, (folder / f"{name}.py").read_text(), args.bars)
        if "error" in nt:
            status, note = "NT fails", nt["error"]
        elif "error" in ours:
            status, note = "fails here", ours["error"]
        else:
            diffs = compare(ours, nt)
            status = "equal" if not diffs else "differs"
            note = (
                f"{len(nt['orders'])} orders, {len(nt['fills'])} fills, "
                f"{len(nt['positions'])} closed positions, balance {nt['balance']}"
                if not diffs
                else "; ".join(diffs)
            )
        table.append({"example": name, "status": status, "note": note})
    width = max(len(r["example"]) for r in table)
    for row in table:
        print(f"{row['example']:<{width}}  {row['status']:<11}  {row['note'][:300]}")
    counts = {s: sum(r["status"] == s for r in table) for s in sorted({r["status"] for r in table})}
    print("  ".join(f"{k}: {v}" for k, v in counts.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(table, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
