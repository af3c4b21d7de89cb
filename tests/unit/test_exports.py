"""API lock: the exported names of each public package. Changing one is a deliberate act."""

import importlib

import pytest

EXPORTS = {
    "core.errors": [
        "ConfigError", "CurrencyMismatch", "DataError", "FixedPointOverflow", "FlotillaError",
        "InvalidStateTrigger", "InvalidTypeError", "ProtocolError", "ValidationError",
    ],
    "core.model": [
        "UUID4", "AccountId", "AccountType", "ActorId", "AggregationSource", "AggressorSide",
        "AssetClass", "Bar", "BarAggregation", "BarSpecification", "BarType", "BookAction",
        "BookType", "ClientId", "ClientOrderId", "ComponentId", "ContingencyType",
        "CryptoPerpetual", "Currency", "CurrencyPair", "CurrencyType", "Data", "DataType",
        "Equity", "ExecAlgorithmId", "FuturesContract", "Identifier", "Instrument",
        "InstrumentClass", "InstrumentId", "LiquiditySide", "Money", "OmsType", "OrderListId",
        "OrderSide", "OrderStatus", "OrderType", "PositionId", "PositionSide", "Price",
        "PriceType", "Quantity", "QuoteTick", "StrategyId", "Symbol", "TimeInForce", "TradeId",
        "TradeTick", "TraderId", "TradingState", "TriggerType", "UUIDFactory", "Venue",
        "VenueOrderId",
    ],
    "core.testkit": ["TestInstrumentProvider"],
    "core.cache": ["Cache"],
    "core.data": ["DataEngine", "DataEngineConfig"],
    "core.execution": ["ExecEngineConfig", "ExecutionClient", "ExecutionEngine"],
    "core.risk": ["RiskEngine", "RiskEngineConfig"],
    "core.portfolio": ["Portfolio"],
    "core.trading": ["Actor", "ActorConfig", "OrderFactory", "Strategy", "StrategyConfig",
                     "Trader"],
    "core.backtest": [
        "BacktestEngine", "BacktestEngineConfig", "BacktestExecClient", "BacktestResult",
        "FeeModel", "FillModel", "FixedFeeModel", "LatencyModel", "MakerTakerFeeModel",
        "OrderMatchingEngine", "PerContractFeeModel", "SimulatedExchange", "StrategyError",
    ],
}


@pytest.mark.parametrize("package", sorted(EXPORTS))
def test_package_exports_are_pinned(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(EXPORTS[package])
    for name in module.__all__:
        assert getattr(module, name) is not None
