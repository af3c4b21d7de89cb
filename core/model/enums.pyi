from enum import IntEnum
from typing import Self

class _FlotillaEnum(IntEnum):
    @classmethod
    def from_str(cls, value: str) -> Self: ...

class AccountType(_FlotillaEnum):
    CASH = 1
    MARGIN = 2
    BETTING = 3

class AggregationSource(_FlotillaEnum):
    EXTERNAL = 1
    INTERNAL = 2

class AggressorSide(_FlotillaEnum):
    NO_AGGRESSOR = 0
    BUYER = 1
    SELLER = 2

class AssetClass(_FlotillaEnum):
    FX = 1
    EQUITY = 2
    COMMODITY = 3
    DEBT = 4
    INDEX = 5
    CRYPTOCURRENCY = 6
    ALTERNATIVE = 7

class BarAggregation(_FlotillaEnum):
    TICK = 1
    TICK_IMBALANCE = 2
    TICK_RUNS = 3
    VOLUME = 4
    VOLUME_IMBALANCE = 5
    VOLUME_RUNS = 6
    VALUE = 7
    VALUE_IMBALANCE = 8
    VALUE_RUNS = 9
    MILLISECOND = 10
    SECOND = 11
    MINUTE = 12
    HOUR = 13
    DAY = 14
    WEEK = 15
    MONTH = 16

class BookAction(_FlotillaEnum):
    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4

class BookType(_FlotillaEnum):
    L1_MBP = 1
    L2_MBP = 2
    L3_MBO = 3

class ContingencyType(_FlotillaEnum):
    NO_CONTINGENCY = 0
    OCO = 1
    OTO = 2
    OUO = 3

class CurrencyType(_FlotillaEnum):
    CRYPTO = 1
    FIAT = 2
    COMMODITY_BACKED = 3

class InstrumentClass(_FlotillaEnum):
    SPOT = 1
    SWAP = 2
    FUTURE = 3
    FUTURES_SPREAD = 4
    FORWARD = 5
    CFD = 6
    BOND = 7
    OPTION = 8
    OPTION_SPREAD = 9
    WARRANT = 10
    SPORTS_BETTING = 11
    BINARY_OPTION = 12

class LiquiditySide(_FlotillaEnum):
    NO_LIQUIDITY_SIDE = 0
    MAKER = 1
    TAKER = 2

class OmsType(_FlotillaEnum):
    UNSPECIFIED = 0
    NETTING = 1
    HEDGING = 2

class OrderSide(_FlotillaEnum):
    NO_ORDER_SIDE = 0
    BUY = 1
    SELL = 2

class OrderStatus(_FlotillaEnum):
    INITIALIZED = 1
    DENIED = 2
    EMULATED = 3
    RELEASED = 4
    SUBMITTED = 5
    ACCEPTED = 6
    REJECTED = 7
    CANCELED = 8
    EXPIRED = 9
    TRIGGERED = 10
    PENDING_UPDATE = 11
    PENDING_CANCEL = 12
    PARTIALLY_FILLED = 13
    FILLED = 14

class OrderType(_FlotillaEnum):
    MARKET = 1
    LIMIT = 2
    STOP_MARKET = 3
    STOP_LIMIT = 4
    MARKET_TO_LIMIT = 5
    MARKET_IF_TOUCHED = 6
    LIMIT_IF_TOUCHED = 7
    TRAILING_STOP_MARKET = 8
    TRAILING_STOP_LIMIT = 9

class PositionSide(_FlotillaEnum):
    NO_POSITION_SIDE = 0
    FLAT = 1
    LONG = 2
    SHORT = 3

class PriceType(_FlotillaEnum):
    BID = 1
    ASK = 2
    MID = 3
    LAST = 4

class TimeInForce(_FlotillaEnum):
    GTC = 1
    IOC = 2
    FOK = 3
    GTD = 4
    DAY = 5
    AT_THE_OPEN = 6
    AT_THE_CLOSE = 7

class TradingState(_FlotillaEnum):
    ACTIVE = 1
    HALTED = 2
    REDUCING = 3

class TriggerType(_FlotillaEnum):
    NO_TRIGGER = 0
    DEFAULT = 1
    BID_ASK = 2
    LAST_PRICE = 3
    DOUBLE_LAST = 4
    DOUBLE_BID_ASK = 5
    LAST_OR_BID_ASK = 6
    MID_POINT = 7
    MARK_PRICE = 8
    INDEX_PRICE = 9

ENUMS: tuple[type[_FlotillaEnum], ...]
