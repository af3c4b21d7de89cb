# C enums of the domain model. Each is a `cpdef enum`, so C code uses the constants and Python
# sees an IntEnum of the same name, extended with `from_str` in enums.pyx. cimport types by
# name (never `cimport *`): BarAggregation lives in aggregation.pxd because of a C name clash.
# Values follow NautilusTrader's numbering so persisted data stays comparable.

cpdef enum AccountType:
    CASH = 1
    MARGIN = 2
    BETTING = 3

cpdef enum AggregationSource:
    EXTERNAL = 1
    INTERNAL = 2

cpdef enum AggressorSide:
    NO_AGGRESSOR = 0
    BUYER = 1
    SELLER = 2

cpdef enum AssetClass:
    FX = 1
    EQUITY = 2
    COMMODITY = 3
    DEBT = 4
    INDEX = 5
    CRYPTOCURRENCY = 6
    ALTERNATIVE = 7

cpdef enum BookAction:
    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4

cpdef enum BookType:
    L1_MBP = 1
    L2_MBP = 2
    L3_MBO = 3

cpdef enum ContingencyType:
    NO_CONTINGENCY = 0
    OCO = 1
    OTO = 2
    OUO = 3

cpdef enum CurrencyType:
    CRYPTO = 1
    FIAT = 2
    COMMODITY_BACKED = 3

cpdef enum InstrumentClass:
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

cpdef enum LiquiditySide:
    NO_LIQUIDITY_SIDE = 0
    MAKER = 1
    TAKER = 2

cpdef enum OmsType:
    UNSPECIFIED = 0
    NETTING = 1
    HEDGING = 2

cpdef enum OrderSide:
    NO_ORDER_SIDE = 0
    BUY = 1
    SELL = 2

cpdef enum OrderStatus:
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

cpdef enum OrderType:
    MARKET = 1
    LIMIT = 2
    STOP_MARKET = 3
    STOP_LIMIT = 4
    MARKET_TO_LIMIT = 5
    MARKET_IF_TOUCHED = 6
    LIMIT_IF_TOUCHED = 7
    TRAILING_STOP_MARKET = 8
    TRAILING_STOP_LIMIT = 9

cpdef enum PositionSide:
    NO_POSITION_SIDE = 0
    FLAT = 1
    LONG = 2
    SHORT = 3

cpdef enum PriceType:
    BID = 1
    ASK = 2
    MID = 3
    LAST = 4

cpdef enum TimeInForce:
    GTC = 1
    IOC = 2
    FOK = 3
    GTD = 4
    DAY "TIME_IN_FORCE_DAY" = 5
    AT_THE_OPEN = 6
    AT_THE_CLOSE = 7

cpdef enum TradingState:
    ACTIVE = 1
    HALTED = 2
    REDUCING = 3

cpdef enum TriggerType:
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


cdef int enum_value(object cls, object value, str owner, str field) except -1
