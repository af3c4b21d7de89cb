# The bar aggregation enum lives in its own .pxd because its member DAY would clash, at C
# level, with TimeInForce.DAY in core/model/enums.pxd. cimport the type by name.

cpdef enum BarAggregation:
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
    DAY "BAR_AGGREGATION_DAY" = 14
    WEEK = 15
    MONTH = 16
