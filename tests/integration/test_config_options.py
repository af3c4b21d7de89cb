"""Every accepted config option acts: TOML file -> `load_config` -> `run_backtest` -> behaviour.

Issue 11, point 13. Each row of `ROWS` sets one option of `BacktestVenueConfig` (and its fill,
fee and latency model configs), `BacktestDataConfig`, `BacktestRunConfig` or the engine's
configs to a non-default value in a TOML file, runs the file through `load_config` and
`run_backtest`, and compares what `OptionProbe` (tests/kit/option_probe.py) observed with the
run of the same file without the option. A row asserts the exact observation with the option
(so an option wired to another keyword fails its row) and that it differs from the default's.
Options that cannot act are refused at load, with the field's path in the message.

The data: `N_BARS` one-minute MID bars of EUR/USD.SIM; bar ``k`` (1-based) closes at
``T(k)``, opens at ``1.10000 + k * 0.0001``, its low one pip below the open, its high nine pips
above, its close four pips above, and volume 4,000,000 (1,000,000 displayed per price point).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from core.errors import ConfigError
from core.testkit import TestInstrumentProvider
from node.backtest import run_backtest
from node.config import load_config
from node.persistence import ParquetDataCatalog

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
N_BARS = 20
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
MINUTE = 60_000_000_000
SECOND = 1_000_000_000


def T(k: int) -> int:
    """The close time (``ts_init``) of bar ``k``."""
    return T0 + k * MINUTE


def _px(value: Decimal) -> int:
    return int(value * 10**9)


def OPEN(k: int) -> Decimal:
    return Decimal("1.10000") + Decimal("0.0001") * k


def LOW(k: int) -> Decimal:
    return OPEN(k) - Decimal("0.0001")


def HIGH(k: int) -> Decimal:
    return OPEN(k) + Decimal("0.0009")


def CLOSE(k: int) -> Decimal:
    return OPEN(k) + Decimal("0.0004")


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("options_catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    ks = range(1, N_BARS + 1)
    ts = np.array([T(k) for k in ks], dtype=np.int64)
    table = {
        "ts_event": ts,
        "ts_init": ts,
        "open": np.array([_px(OPEN(k)) for k in ks], dtype=np.int64),
        "high": np.array([_px(HIGH(k)) for k in ks], dtype=np.int64),
        "low": np.array([_px(LOW(k)) for k in ks], dtype=np.int64),
        "close": np.array([_px(CLOSE(k)) for k in ks], dtype=np.int64),
        "volume": np.full(N_BARS, 4_000_000 * 10**9, dtype=np.int64),
    }
    catalog.write_table("bar", BAR_TYPE, pa.table(table))
    return path


# -- TOML -------------------------------------------------------------------------------------


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def _is_table(key: str, v: Any) -> bool:
    # Keys such as "EUR/USD.SIM" are not bare TOML keys: such a dict is written inline.
    return isinstance(v, dict) and all(k.isidentifier() for k in v)


def _is_array_of_tables(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def to_toml(data: dict, prefix: str = "") -> str:
    """Return `data` as TOML: tables for nested structs, arrays of tables for lists of them."""
    lines = [
        f"{k} = {_value(v)}"
        for k, v in data.items()
        if not _is_table(k, v) and not _is_array_of_tables(v)
    ]
    for k, v in data.items():
        name = f"{prefix}{k}"
        if _is_table(k, v):
            lines += ["", f"[{name}]", to_toml(v, f"{name}.")]
        elif _is_array_of_tables(v):
            for item in v:
                lines += ["", f"[[{name}]]", to_toml(item, f"{name}.")]
    return "\n".join(lines)


# -- one run ----------------------------------------------------------------------------------


def _base(catalog_path, record_path: Path, script: list[dict]) -> dict:
    return {
        "name": "options",
        "engine": {},
        "venues": [
            {
                "name": "SIM",
                "oms_type": "NETTING",
                "account_type": "MARGIN",
                "starting_balances": ["1000000 USD"],
            }
        ],
        "data": [{"catalog_path": str(catalog_path), "data_cls": "Bar", "bar_types": [BAR_TYPE]}],
        "strategies": [
            {
                "strategy_path": "tests.kit.option_probe:OptionProbe",
                "config": {
                    "record_path": str(record_path),
                    "bar_types": [BAR_TYPE],
                    "script": script,
                },
            }
        ],
    }


def _set(data: dict, path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in `data` (lists by index)."""
    node: Any = data
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[parts[-1]] = value


class Run:
    """What one run of a TOML file produced: the result, the probe's record, stderr, chunks."""

    def __init__(self, result, record: dict, stderr: str, chunks: int) -> None:
        self.result = result
        self.record = record
        self.stderr = stderr
        self.chunks = chunks

    def events(self, label: str) -> list[str]:
        return [e["kind"] for e in self.record["order_events"] if e["label"] == label]

    def event_ts(self, kind: str, label: str) -> int:
        (ts,) = [
            e["ts_event"]
            for e in self.record["order_events"]
            if e["kind"] == kind and e["label"] == label
        ]
        return ts

    def fills(self, field: str) -> list:
        return [f[field] for f in self.record["fills"]]

    def bars(self) -> list[int]:
        return [r[0] for r in self.record["records"] if r[1] == "Bar"]


def run_toml(tmp_path: Path, catalog_path, script, options: dict, capfd, tag: str) -> Run:
    record_path = tmp_path / f"{tag}.json"
    data = _base(catalog_path, record_path, script)
    for path, value in options.items():
        _set(data, path, value)
    config_file = tmp_path / f"{tag}.toml"
    config_file.write_text(to_toml(data) + "\n")
    config = load_config(config_file)
    chunks = []
    capfd.readouterr()
    result = run_backtest(config, progress=lambda done, total: chunks.append(done))
    stderr = capfd.readouterr().err
    return Run(result, json.loads(record_path.read_text()), stderr, len(chunks))


# -- scripts ----------------------------------------------------------------------------------


def market(k: int, label: str = "a", side: str = "BUY", quantity: str = "100000") -> dict:
    return {"ts": T(k), "op": "market", "label": label, "side": side, "quantity": quantity}


def limit(k: int, label: str, side: str, price: Decimal, quantity: str = "1000") -> dict:
    return {
        "ts": T(k),
        "op": "limit",
        "label": label,
        "side": side,
        "quantity": quantity,
        "price": str(price),
    }


BUY_AT_LOW_2 = [limit(1, "b", "BUY", LOW(2))]  # touched (not crossed) by bar 2's low
RESTING = [limit(1, "r", "BUY", LOW(1) - Decimal("0.0050"))]  # never fills

# A row: (id, options with the non-default value, script, observe(run), expected observation).
# `observe` on the run without `options` must give something else.
ROWS: list[tuple[str, dict, list, Any, Any]] = [
    # -- BacktestVenueConfig ------------------------------------------------------------------
    (
        "oms_type",
        {"venues[0].oms_type": "HEDGING"},
        [market(1, "a"), market(2, "b")],
        lambda r: r.result.total_positions,
        2,
    ),
    (
        "account_type",
        {"venues[0].account_type": "CASH"},
        [market(1, quantity="10000000")],  # 11 M USD of EUR: more than the free 1 M USD
        lambda r: r.events("a")[-1],
        "OrderDenied",
    ),
    (
        "starting_balances",
        {"venues[0].starting_balances": ["250000 USD", "1000 EUR"]},
        [],
        lambda r: r.record["accounts"][0]["total"],
        {"USD": "250000.00 USD", "EUR": "1000.00 EUR"},
    ),
    (
        "base_currency",
        {"venues[0].base_currency": "USD"},
        [],
        lambda r: r.record["accounts"][0]["base_currency"],
        "USD",
    ),
    (
        "default_leverage",
        {"venues[0].default_leverage": 10},
        [market(1)],
        lambda r: (
            Decimal(r.record["accounts"][0]["leverage"]),
            r.record["accounts"][-1]["free"]["USD"],
        ),
        (Decimal(10), "FREE_AT_LEVERAGE_10"),
    ),
    (
        "leverages",
        {"venues[0].leverages": {"EUR/USD.SIM": 20}},
        [market(1)],
        lambda r: (
            Decimal(r.record["accounts"][0]["leverage"]),
            r.record["accounts"][-1]["free"]["USD"],
        ),
        (Decimal(20), "FREE_AT_LEVERAGE_20"),
    ),
    (
        "bar_execution",
        {"venues[0].bar_execution": False},
        [market(1)],
        lambda r: r.events("a")[-1],
        "OrderRejected",
    ),
    (
        "bar_adaptive_high_low_ordering",
        {"venues[0].bar_adaptive_high_low_ordering": True},
        [limit(1, "b", "BUY", LOW(2)), limit(1, "s", "SELL", HIGH(2))],
        lambda r: r.fills("label"),
        ["b", "s"],  # bar 2 opens next to its low: low first; default O -> H -> L -> C
    ),
    (
        "reject_stop_orders",
        {"venues[0].reject_stop_orders": False},
        [
            {
                "ts": T(1),
                "op": "stop_market",
                "label": "a",
                "side": "BUY",
                "quantity": "1000",
                "trigger_price": str(CLOSE(1) - Decimal("0.0002")),  # already in the market
            }
        ],
        lambda r: r.events("a")[-1],
        "OrderFilled",
    ),
    (
        "fill_at_next_bar_open",
        {"venues[0].fill_at_next_bar_open": True},
        [market(1)],
        lambda r: r.fills("price"),
        [str(OPEN(2))],
    ),
    (
        "fill_model.prob_fill_on_limit",
        {"venues[0].fill_model.prob_fill_on_limit": 0.0},
        BUY_AT_LOW_2,
        lambda r: r.fills("label"),
        [],
    ),
    (
        "fill_model.prob_slippage",
        {"venues[0].fill_model.prob_slippage": 1.0},
        [market(1, quantity="1000")],
        lambda r: r.fills("price"),
        [str(CLOSE(1) + Decimal("0.00001"))],
    ),
    (
        "fill_model.random_seed",
        {"venues[0].fill_model.random_seed": 2},
        [limit(k - 1, f"b{k}", "BUY", LOW(k)) for k in range(2, N_BARS + 1)],
        lambda r: r.fills("label"),
        None,  # another seed, other touches fill: compared with seed 1 and run twice
        {
            "venues[0].fill_model.prob_fill_on_limit": 0.5,
            "venues[0].fill_model.random_seed": 1,
        },
    ),
    (
        "fee_model.kind=fixed",
        {"venues[0].fee_model.kind": "fixed", "venues[0].fee_model.commission": "2.50 USD"},
        [market(1, quantity="1500000")],  # 1,000,000 displayed: two fills
        lambda r: r.fills("commission"),
        ["2.50 USD", "0.00 USD"],
    ),
    (
        "fee_model.charge_commission_once",
        {
            "venues[0].fee_model.kind": "fixed",
            "venues[0].fee_model.commission": "2.50 USD",
            "venues[0].fee_model.charge_commission_once": False,
        },
        [market(1, quantity="1500000")],
        lambda r: r.fills("commission"),
        ["2.50 USD", "2.50 USD"],
    ),
    (
        "fee_model.kind=per_contract",
        {
            "venues[0].fee_model.kind": "per_contract",
            "venues[0].fee_model.commission": "0.01 USD",
        },
        [market(1, quantity="1500000")],
        lambda r: r.fills("commission"),
        ["10000.00 USD", "5000.00 USD"],
    ),
    (
        "latency_model.base_latency_nanos",
        {"venues[0].latency_model.base_latency_nanos": 1 * SECOND},
        [limit(1, "r", "BUY", LOW(1) - Decimal("0.0050"))],
        lambda r: r.event_ts("OrderAccepted", "r") - T(1),
        1 * SECOND,
    ),
    (
        "latency_model.insert_latency_nanos",
        {"venues[0].latency_model.insert_latency_nanos": 2 * SECOND},
        RESTING,
        lambda r: r.event_ts("OrderAccepted", "r") - T(1),
        2 * SECOND,
    ),
    (
        "latency_model.update_latency_nanos",
        {"venues[0].latency_model.update_latency_nanos": 3 * SECOND},
        RESTING
        + [{"ts": T(2), "op": "modify", "label": "r", "price": str(LOW(1) - Decimal("0.0060"))}],
        lambda r: (r.event_ts("OrderAccepted", "r") - T(1), r.event_ts("OrderUpdated", "r") - T(2)),
        (0, 3 * SECOND),
    ),
    (
        "latency_model.cancel_latency_nanos",
        {"venues[0].latency_model.cancel_latency_nanos": 4 * SECOND},
        RESTING + [{"ts": T(2), "op": "cancel", "label": "r"}],
        lambda r: (
            r.event_ts("OrderAccepted", "r") - T(1),
            r.event_ts("OrderCanceled", "r") - T(2),
        ),
        (0, 4 * SECOND),
    ),
    # -- BacktestDataConfig -------------------------------------------------------------------
    (
        "data.start_time/end_time",
        {"data[0].start_time": T(5), "data[0].end_time": "2024-01-01T00:10:00Z"},
        [],
        lambda r: r.bars(),
        [T(k) for k in range(5, 11)],
    ),
    (
        "data.filter_expr",
        {"data[0].filter_expr": f"close > {CLOSE(15)}"},
        [],
        lambda r: r.bars(),
        [T(k) for k in range(16, N_BARS + 1)],
    ),
    # -- BacktestRunConfig --------------------------------------------------------------------
    (
        "run.start/end",
        {"start": "2024-01-01T00:03:00Z", "end": T(8)},
        [],
        lambda r: (
            r.bars()[0],
            r.bars()[-1],
            r.result.backtest_start_ns,
            r.result.backtest_end_ns,
            r.result.iterations,
        ),
        (T(3), T(8), T(3), T(8), 6),
    ),
    ("run.chunk_size", {"chunk_size": 7}, [], lambda r: r.chunks, math.ceil(N_BARS / 7)),
    ("run.name", {"name": "renamed"}, [], lambda r: r.result.name, "renamed"),
    # -- BacktestEngineConfig and the engines' configs ----------------------------------------
    (
        "engine.trader_id",
        {"engine.trader_id": "TESTER-007"},
        [],
        lambda r: r.record["trader_id"],
        "TESTER-007",
    ),
    (
        "engine.seed",
        {"engine.seed": 7},
        [market(1)],
        lambda r: r.fills("event_id"),
        None,  # other event ids: compared with seed 42 and run twice
    ),
    (
        "engine.log_level",
        {"engine.log_level": "INFO"},
        [],
        lambda r: "[INFO] BACKTESTER-001." in r.stderr,
        True,
    ),
    (
        "risk_engine.bypass",
        {"engine.risk_engine.bypass": True},
        [market(1, quantity="1000.5")],  # size precision 1 > the instrument's 0
        lambda r: "OrderDenied" in r.events("a"),
        False,
    ),
    (
        "risk_engine.max_order_submit_rate",
        {"engine.risk_engine.max_order_submit_rate": "2/00:00:01"},
        [market(1, "a"), market(1, "b"), market(1, "c")],
        lambda r: [r.events(x)[-1] for x in "abc"],
        ["OrderFilled", "OrderFilled", "OrderDenied"],
    ),
    (
        "risk_engine.max_order_modify_rate",
        {"engine.risk_engine.max_order_modify_rate": "1/00:00:01"},
        RESTING
        + [
            {"ts": T(2), "op": "modify", "label": "r", "price": str(LOW(1) - Decimal("0.0060"))},
            {"ts": T(2), "op": "modify", "label": "r", "price": str(LOW(1) - Decimal("0.0070"))},
        ],
        # The second modify is refused at once; the first one's update comes from the venue.
        lambda r: r.events("r")[-2:],
        ["OrderModifyRejected", "OrderUpdated"],
    ),
    (
        "risk_engine.max_notional_per_order",
        {"engine.risk_engine.max_notional_per_order": {"EUR/USD.SIM": 50000}},
        [market(1)],  # 100,000 EUR at 1.1005: 110,050 USD
        lambda r: r.events("a")[-1],
        "OrderDenied",
    ),
    (
        "exec_engine.debug",
        {"engine.exec_engine.debug": True},
        [market(1)],
        lambda r: (
            "ExecEngine: command SubmitOrder" in r.stderr,
            "ExecEngine: event OrderSubmitted" in r.stderr,
            "ExecEngine: event OrderFilled" in r.stderr,
        ),
        (True, True, True),
    ),
]


def _free_after_buy(leverage: int) -> str:
    """USD free after market-buying 100,000 EUR at bar 1's close on a 1 M USD margin account."""
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    notional = Decimal(100_000) * CLOSE(1)
    commission = (notional * instrument.taker_fee).quantize(Decimal("0.01"))
    margin = (notional * instrument.margin_init / leverage).quantize(Decimal("0.01"))
    return f"{Decimal(1_000_000) - commission - margin:.2f} USD"


def _expected(value):
    if isinstance(value, tuple):
        return tuple(_expected(v) for v in value)
    if isinstance(value, str) and value.startswith("FREE_AT_LEVERAGE_"):
        return _free_after_buy(int(value.rsplit("_", 1)[1]))
    return value


@pytest.mark.parametrize(
    ("options", "script", "observe", "expected", "baseline"),
    [(*r[1:5], r[5] if len(r) > 5 else {}) for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_config_option_from_toml_acts(
    tmp_path, catalog_path, capfd, options, script, observe, expected, baseline
):
    default = observe(run_toml(tmp_path, catalog_path, script, baseline, capfd, "default"))
    changed = observe(
        run_toml(tmp_path, catalog_path, script, {**baseline, **options}, capfd, "changed")
    )
    assert changed != default
    if expected is None:
        again = observe(
            run_toml(tmp_path, catalog_path, script, {**baseline, **options}, capfd, "again")
        )
        assert again == changed  # seeded: the difference is the option's, not chance
    else:
        assert changed == _expected(expected)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("venues[0].book_type", "L2_MBP", r"venues\[0\]\.book_type: expected one of L1_MBP"),
        ("venues[0].oms_type", "NET", r"venues\[0\]\.oms_type: expected one of NETTING, HEDGING"),
        (
            "venues[0].fee_model.kind",
            "fixed",
            r"venues\[0\]\.fee_model\.commission: expected money",
        ),
        ("engine.exec_engine.debugg", True, r"engine\.exec_engine\.debugg: unknown field"),
    ],
)
def test_config_option_that_cannot_act_is_refused_at_load(
    tmp_path, catalog_path, field, value, message
):
    data = _base(catalog_path, tmp_path / "never.json", [])
    _set(data, field, value)
    config_file = tmp_path / "refused.toml"
    config_file.write_text(to_toml(data) + "\n")
    with pytest.raises(ConfigError, match=rf"refused\.toml: {message}"):
        load_config(config_file)


def test_data_engine_validate_data_false_lets_a_bad_bar_reach_the_strategy(tmp_path, capfd):
    catalog_path = tmp_path / "bad_catalog"
    catalog = ParquetDataCatalog(catalog_path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    ks = range(1, 6)
    ts = np.array([T(k) for k in ks], dtype=np.int64)
    lows = [0 if k == 3 else _px(LOW(k)) for k in ks]  # bar 3: a low of 0 is invalid data
    table = {
        "ts_event": ts,
        "ts_init": ts,
        "open": np.array([_px(OPEN(k)) for k in ks], dtype=np.int64),
        "high": np.array([_px(HIGH(k)) for k in ks], dtype=np.int64),
        "low": np.array(lows, dtype=np.int64),
        "close": np.array([_px(CLOSE(k)) for k in ks], dtype=np.int64),
        "volume": np.full(5, 4_000_000 * 10**9, dtype=np.int64),
    }
    catalog.write_table("bar", BAR_TYPE, pa.table(table), price_precision=5, size_precision=0)
    option = {"engine.data_engine.validate_data": False}
    default = run_toml(tmp_path, catalog_path, [], {}, capfd, "default")
    changed = run_toml(tmp_path, catalog_path, [], option, capfd, "changed")
    assert (default.result.dropped_data, default.bars()) == (1, [T(1), T(2), T(4), T(5)])
    assert default.result.drop_reasons == {"low 0.00000 <= 0": 1}
    assert (changed.result.dropped_data, changed.bars()) == (0, [T(k) for k in ks])


def test_venue_name_acts_data_on_another_venue_is_refused_by_name(tmp_path, catalog_path):
    data = _base(catalog_path, tmp_path / "never.json", [])
    _set(data, "venues[0].name", "XSIM")
    config_file = tmp_path / "xsim.toml"
    config_file.write_text(to_toml(data) + "\n")
    config = load_config(config_file)
    assert config.venues[0].name == "XSIM"
    with pytest.raises(
        ConfigError,
        match=r"data\[0\]: EUR/USD.SIM-1-MINUTE-MID-EXTERNAL trades on venue 'SIM', expected one "
        r"of the configured venues \['XSIM'\]",
    ):
        run_backtest(config)
