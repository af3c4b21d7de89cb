"""`core.kernel.Kernel`: what it builds per environment, and every backtest built through it.

The same `BacktestRunConfig` through `BacktestNode` and through a grid cell (from the catalog or
from in-memory data) must give one fill digest, the compute backend included.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from core.backtest.models import FillModel, FixedFeeModel, LatencyModel
from core.cache.cache import Cache
from core.data.engine import DataEngine
from core.execution.engine import ExecutionEngine
from core.portfolio.portfolio import Portfolio
from core.risk.engine import RiskEngine

from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.backtest import BacktestEngine, BacktestEngineConfig
from core.backtest.venue import VenueSpec
from core.common.clock import LiveClock, TestClock
from core.common.compute import InProcessComputeBackend
from core.common.msgbus import MessageBus
from core.errors import ConfigError
from core.kernel import Environment, Kernel, resolve_path
from core.model import AccountType, Money, OmsType, Venue
from core.model.currencies import USD
from core.model.enums import BookType
from core.model.identifiers import InstrumentId
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from core.trading.trader import Trader
from node.backtest import BacktestNode, run_backtest
from node.backtest.memory import InMemoryData
from node.config import config_from_dict
from node.persistence import ParquetDataCatalog
from tests.kit.run_config import ema_run_config

ROOT = Path(__file__).resolve().parents[3]
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
N_BARS = 3_000
HANDLER = "tests.kit.compute_handlers:momentum_signal"
EMA = "configs.strategies.ema_cross:EMACross"


def _bars():
    return random_walk_bars(N_BARS, seed=5)


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(_bars()))
    return path


def _memory() -> InMemoryData:
    return InMemoryData(
        instruments=[TestInstrumentProvider.default_fx_ccy("EUR/USD")], streams={BAR_TYPE: _bars()}
    )


def _config(catalog_path, **changes):
    return config_from_dict(ema_run_config(catalog_path, name=None, strategy_path=EMA, **changes))


def _compute_config(catalog_path, compute: dict):
    return _config(
        catalog_path,
        strategies=[
            {
                "strategy_path": "tests.kit.compute_strategy:ComputeSignalStrategy",
                "config": {
                    "instrument_id": "EUR/USD.SIM",
                    "bar_type": BAR_TYPE,
                    "max_requests": 200,
                },
            }
        ],
        compute={"base_latency_ns": 30_000_000_000, "jitter_ns": 60_000_000_000, "seed": 3}
        | compute,
    )


def in_process_signal_backend(endpoint, **_keys):
    """A broker-backend factory that serves ``signal`` in process (reached by its path)."""
    assert endpoint == "tcp://127.0.0.1:1"
    return InProcessComputeBackend({"signal": HANDLER})


# -- what the kernel builds -------------------------------------------------------------------


def test_backtest_kernel_builds_every_component_on_one_test_clock():
    kernel = Kernel(Environment.BACKTEST, BacktestEngineConfig(trader_id="TESTER-007"))
    assert kernel.environment is Environment.BACKTEST
    assert str(kernel.trader_id) == "TESTER-007"
    assert type(kernel.clock) is TestClock
    built = {
        "msgbus": MessageBus,
        "cache": Cache,
        "portfolio": Portfolio,
        "exec_engine": ExecutionEngine,
        "risk_engine": RiskEngine,
        "data_engine": DataEngine,
        "trader": Trader,
    }
    for name, cls in built.items():
        assert isinstance(getattr(kernel, name), cls), name
    strategy = kernel.add_strategy_from_path(
        EMA, EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=BAR_TYPE)
    )
    assert isinstance(strategy, EMACross)
    assert kernel.trader.strategies() == [strategy]
    # A component's clock is a test clock too (the backtest loop advances them all).
    assert [type(c) for c in kernel.trader.clocks] == [TestClock]


@pytest.mark.parametrize("environment", [Environment.SANDBOX, Environment.LIVE])
def test_sandbox_and_live_kernels_run_on_a_live_clock_unless_given_one(environment):
    kernel = Kernel(environment, BacktestEngineConfig())
    assert type(kernel.clock) is LiveClock
    made = []

    def factory(uuids):
        made.append(uuids)
        return TestClock(5, uuids)

    kernel = Kernel(environment, BacktestEngineConfig(), clock_factory=factory)
    assert kernel.clock.timestamp_ns() == 5
    kernel.add_strategy(EMACross(EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=BAR_TYPE)))
    assert len(made) == 2  # the kernel's clock and the strategy's


def test_kernel_ids_repeat_for_one_seed_and_differ_for_another():
    def ids(seed):
        kernel = Kernel(Environment.BACKTEST, BacktestEngineConfig(seed=seed))
        return [kernel.uuid_factory().generate().value for _ in range(2)]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)


def test_kernel_refuses_a_bad_environment_or_config():
    with pytest.raises(
        ConfigError, match=r"Kernel.environment: invalid value 'backtest', expected"
    ):
        Kernel("backtest", BacktestEngineConfig())
    with pytest.raises(ConfigError, match=r"Kernel.config: dict has no field 'trader_id'"):
        Kernel(Environment.BACKTEST, {})
    kernel = Kernel(Environment.BACKTEST, BacktestEngineConfig())
    with pytest.raises(ConfigError, match=r"Kernel.add_strategy: invalid value 3, expected a Str"):
        kernel.add_strategy(3)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "configs.strategies.ema_cross.EMACross",
            r"'configs.strategies.ema_cross.EMACross': invalid, expected 'package.module:Name'",
        ),
        (
            "configs.strategies.nope:EMACross",
            r"'configs.strategies.nope:EMACross': cannot import module 'configs.strategies.nope' .*expected an importable module",
        ),
        (
            "configs.strategies.ema_cross:EMACros",
            r"'configs.strategies.ema_cross:EMACros': module 'configs.strategies.ema_cross' has no 'EMACros', expected a strategy class of that name",
        ),
        (
            "configs.strategies.ema_cross:EMACrossConfig",
            r"'configs.strategies.ema_cross:EMACrossConfig': is .*EMACrossConfig.*, expected a subclass of Strategy",
        ),
    ],
)
def test_a_bad_component_path_names_the_path_and_what_was_expected(path, message):
    kernel = Kernel(Environment.BACKTEST, BacktestEngineConfig())
    with pytest.raises(ConfigError, match=r"^strategy class path " + message):
        kernel.add_strategy_from_path(path)
    assert kernel.trader.components() == []


def test_a_bad_compute_backend_path_names_the_path_and_what_was_expected():
    with pytest.raises(
        ConfigError,
        match=r"'core.common.compute:ComputeLatencyModel': returned .*, expected a ComputeBackend",
    ):
        Kernel.create_compute_backend("core.common.compute:ComputeLatencyModel")
    with pytest.raises(
        ConfigError, match=r"'core.common:nope': module 'core.common' has no 'nope'"
    ):
        resolve_path("core.common:nope", what="compute backend factory")


# -- everything is built through it -------------------------------------------------------------


def test_backtest_engine_is_built_by_a_backtest_kernel():
    engine = BacktestEngine(BacktestEngineConfig())
    assert engine.kernel.environment is Environment.BACKTEST
    assert engine.clock is engine.kernel.clock
    assert engine.trader is engine.kernel.trader
    assert engine.exec_engine is engine.kernel.exec_engine


def test_venue_options_are_a_typed_spec_on_the_exchange():
    engine = BacktestEngine(BacktestEngineConfig())
    eurusd = InstrumentId.from_str("EUR/USD.SIM")
    engine.add_venue(
        Venue("SIM"),
        OmsType.NETTING,
        AccountType.MARGIN,
        [Money(1_000_000, USD)],
        base_currency=USD,
        leverages={eurusd: Decimal(20)},
        fee_model=FixedFeeModel(Money(2, USD)),
        bar_execution=False,
        reject_stop_orders=False,
        fee_rounding="float",
    )
    exchange = engine._exchanges[Venue("SIM")]
    spec = exchange.spec
    assert isinstance(spec, VenueSpec)
    assert not hasattr(exchange, "options")
    assert spec.bar_execution is False and spec.reject_stop_orders is False
    assert spec.leverages == {eurusd: Decimal(20)}
    assert spec.book_type is BookType.L1_MBP
    assert isinstance(spec.fill_model, FillModel) and isinstance(spec.latency_model, LatencyModel)
    assert exchange.fee_model is spec.fee_model


def test_a_venue_config_becomes_its_typed_spec(catalog_path):
    venue = _config(
        catalog_path,
        venues=[
            {
                "name": "SIM",
                "oms_type": "HEDGING",
                "account_type": "CASH",
                "starting_balances": ["1000 USD", "5 EUR"],
                "leverages": {"EUR/USD.SIM": "30"},
                "bar_adaptive_high_low_ordering": True,
                "fill_at_next_bar_open": True,
                "latency_model": {"base_latency_nanos": 7},
            }
        ],
    ).venues[0]
    spec = venue.to_spec()
    assert spec.venue == Venue("SIM")
    assert spec.oms_type is OmsType.HEDGING and spec.account_type is AccountType.CASH
    assert spec.starting_balances == [Money.from_str("1000 USD"), Money.from_str("5 EUR")]
    assert spec.base_currency is None
    assert spec.leverages == {InstrumentId.from_str("EUR/USD.SIM"): Decimal(30)}
    assert spec.bar_adaptive_high_low_ordering and spec.fill_at_next_bar_open
    assert spec.latency_model.base_latency_nanos == 7
    assert spec.fee_rounding == "exact"


def test_backtest_node_and_grid_cells_give_one_fill_digest(catalog_path):
    from cluster.grid.cell import run_cell

    config = _config(catalog_path)
    node = BacktestNode([config]).run()[0]
    from_catalog = run_cell(config.id, config)
    from_memory = run_cell(config.id, config, _memory())
    assert node.error is None and from_catalog.error is None and from_memory.error is None
    assert node.total_fills > 10
    assert from_catalog.digest == from_memory.digest == node.digest


def test_the_compute_backend_reaches_a_grid_cell_run_from_memory(catalog_path):
    from cluster.grid.cell import build_cell_engine, run_cell

    config = _compute_config(catalog_path, {"handlers": {"signal": HANDLER}})
    node = run_backtest(config)
    cell = run_cell(config.id, config, _memory())
    assert cell.error is None, cell.error
    assert node.total_fills > 10
    assert cell.digest == node.digest
    engine = build_cell_engine(config, _memory())
    try:
        assert isinstance(engine.compute_backend, InProcessComputeBackend)
    finally:
        engine.dispose()


def test_the_broker_backend_is_built_by_its_module_factory_path(catalog_path):
    in_process = run_backtest(_compute_config(catalog_path, {"handlers": {"signal": HANDLER}}))
    by_path = run_backtest(
        _compute_config(
            catalog_path,
            {
                "broker": "tcp://127.0.0.1:1",
                "broker_backend": "tests.unit.kernel.test_kernel:in_process_signal_backend",
            },
        )
    )
    assert by_path.digest == in_process.digest


def test_a_bad_broker_backend_path_is_refused_at_load_with_its_field(catalog_path):
    with pytest.raises(
        ConfigError,
        match=r"compute\.broker_backend: compute backend factory path 'nope:x': cannot import",
    ):
        _compute_config(catalog_path, {"broker": "tcp://127.0.0.1:1", "broker_backend": "nope:x"})


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_node_never_imports_cluster():
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "node").rglob("*.py"))
        for module in _imported_modules(path)
        if module == "cluster" or module.startswith("cluster.")
    ]
    assert found == []
    assert list((ROOT / "node").rglob("*.py"))  # the walk saw the package
