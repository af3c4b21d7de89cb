"""`DataEngine`: validates market data, keeps the cache's last values, publishes on the bus.

Topics: ``data.quotes.<venue>.<symbol>``, ``data.trades.<venue>.<symbol>``,
``data.bars.<bar type>``, ``data.<DataType topic>`` for custom data and
``data.instrument.<instrument id>`` for instruments. Topic strings are built once per stream.

With ``validate_data`` (default) a data point is dropped — logged with the reason, counted in
`dropped_count` and `drop_reasons` — when its instrument is unknown, its price or size
precision differs from the instrument's, a price is ≤ 0 or a size < 0. Bad data never reaches
the venue or a strategy and never stops the node.
"""

import cython

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.model.data cimport Bar, BarType, Data, DataType, QuoteTick, TradeTick
from core.model.identifiers cimport InstrumentId
from core.model.instruments cimport Instrument
from core.model.objects cimport format_raw

from core.data.config import DataEngineConfig
from core.errors import ValidationError

cdef int _WARNING = 30


# The one place bus topic names of market data are spelled (the DataEngine publishes on them,
# actors subscribe to them).
cpdef str quotes_topic(InstrumentId instrument_id):
    return f"data.quotes.{instrument_id.venue.value}.{instrument_id.symbol.value}"


cpdef str trades_topic(InstrumentId instrument_id):
    return f"data.trades.{instrument_id.venue.value}.{instrument_id.symbol.value}"


cpdef str bars_topic(BarType bar_type):
    return f"data.bars.{bar_type}"


cpdef str instrument_topic(InstrumentId instrument_id):
    return f"data.instrument.{instrument_id.value}"


cpdef str custom_data_topic(type data_class):
    return f"data.{DataType(data_class).topic}"


@cython.final
cdef class DataEngine:
    """The node's data engine."""

    def __init__(self, Cache cache not None, MessageBus msgbus not None, Clock clock not None,
                 config=None):
        config = config if config is not None else DataEngineConfig()
        if not isinstance(config, DataEngineConfig):
            raise ValidationError(
                f"DataEngine.config: invalid type {type(config).__name__}, "
                f"expected DataEngineConfig"
            )
        self._cache = cache
        self._msgbus = msgbus
        self._clock = clock
        self._log = Logger(f"{msgbus.trader_id}.DataEngine", clock)
        self._validate = config.validate_data
        self._quote_topics = {}
        self._trade_topics = {}
        self._bar_topics = {}
        self._data_topics = {}
        self._subscriptions = {}
        self._drop_reasons = {}
        msgbus.register("DataEngine.process", self.process)

    def reset(self):
        self.processed_count = 0
        self.dropped_count = 0
        self._drop_reasons = {}

    @property
    def drop_reasons(self):
        """Reason → count of dropped data points, in first-seen order."""
        return dict(self._drop_reasons)

    cdef str quote_topic(self, InstrumentId instrument_id):
        cdef str topic = self._quote_topics.get(instrument_id)
        if topic is None:
            topic = quotes_topic(instrument_id)
            self._quote_topics[instrument_id] = topic
        return topic

    cdef str trade_topic(self, InstrumentId instrument_id):
        cdef str topic = self._trade_topics.get(instrument_id)
        if topic is None:
            topic = trades_topic(instrument_id)
            self._trade_topics[instrument_id] = topic
        return topic

    cdef str bar_topic(self, BarType bar_type):
        cdef str topic = self._bar_topics.get(bar_type)
        if topic is None:
            topic = bars_topic(bar_type)
            self._bar_topics[bar_type] = topic
        return topic

    def topic_for(self, object subject):
        """Return the bus topic for an InstrumentId (quotes), a BarType or a DataType."""
        if isinstance(subject, BarType):
            return self.bar_topic(subject)
        if isinstance(subject, DataType):
            return f"data.{subject.topic}"
        return self.quote_topic(subject)

    def trade_topic_for(self, InstrumentId instrument_id not None):
        return self.trade_topic(instrument_id)

    cdef void _drop(self, Data data, str reason) except *:
        self.dropped_count += 1
        self._drop_reasons[reason] = self._drop_reasons.get(reason, 0) + 1
        self._log.log_c(_WARNING, f"dropped {data!r}: {reason}")

    cpdef bint accept(self, Data data) except -1:
        """Return whether `data` is valid (dropping and counting it if not)."""
        cdef Instrument instrument
        cdef QuoteTick quote
        cdef TradeTick trade
        cdef Bar bar
        cdef object t = type(data)
        if not self._validate:
            return True
        if t is Bar:
            bar = <Bar>data
            instrument = self._cache.instrument(bar.bar_type.instrument_id)
            if instrument is None:
                self._drop(data, f"unknown instrument {bar.bar_type.instrument_id}")
                return False
            if bar.price_precision != instrument.price_precision:
                self._drop(data, f"price precision {bar.price_precision} != instrument "
                                 f"{instrument.id} price_precision {instrument.price_precision}")
                return False
            if bar.low_raw <= 0:
                self._drop(data, f"low {format_raw(bar.low_raw, bar.price_precision)} <= 0")
                return False
            if bar.size_precision != instrument.size_precision:
                self._drop(data, f"volume precision {bar.size_precision} != instrument "
                                 f"{instrument.id} size_precision {instrument.size_precision}")
                return False
            return True
        if t is QuoteTick:
            quote = <QuoteTick>data
            instrument = self._cache.instrument(quote.instrument_id)
            if instrument is None:
                self._drop(data, f"unknown instrument {quote.instrument_id}")
                return False
            if quote.price_precision != instrument.price_precision:
                self._drop(data, f"price precision {quote.price_precision} != instrument "
                                 f"{instrument.id} price_precision {instrument.price_precision}")
                return False
            if quote.size_precision != instrument.size_precision:
                self._drop(data, f"size precision {quote.size_precision} != instrument "
                                 f"{instrument.id} size_precision {instrument.size_precision}")
                return False
            if quote.bid_price_raw <= 0 or quote.ask_price_raw <= 0:
                self._drop(data, f"price <= 0 (bid {quote.bid_price}, ask {quote.ask_price})")
                return False
            return True
        if t is TradeTick:
            trade = <TradeTick>data
            instrument = self._cache.instrument(trade.instrument_id)
            if instrument is None:
                self._drop(data, f"unknown instrument {trade.instrument_id}")
                return False
            if trade.price_precision != instrument.price_precision:
                self._drop(data, f"price precision {trade.price_precision} != instrument "
                                 f"{instrument.id} price_precision {instrument.price_precision}")
                return False
            if trade.size_precision != instrument.size_precision:
                self._drop(data, f"size precision {trade.size_precision} != instrument "
                                 f"{instrument.id} size_precision {instrument.size_precision}")
                return False
            if trade.price_raw <= 0:
                self._drop(data, f"price {trade.price} <= 0")
                return False
            return True
        return True

    cpdef void publish(self, Data data) except *:
        """Update the cache and publish `data` (precondition: accepted)."""
        cdef object t = type(data)
        self.processed_count += 1
        if t is Bar:
            self._cache.add_bar(<Bar>data)
            self._msgbus.publish_c(self.bar_topic((<Bar>data).bar_type), data)
        elif t is QuoteTick:
            self._cache.add_quote_tick(<QuoteTick>data)
            self._msgbus.publish_c(self.quote_topic((<QuoteTick>data).instrument_id), data)
        elif t is TradeTick:
            self._cache.add_trade_tick(<TradeTick>data)
            self._msgbus.publish_c(self.trade_topic((<TradeTick>data).instrument_id), data)
        elif isinstance(data, Instrument):
            self._cache.add_instrument(<Instrument>data)
            self._msgbus.publish_c(instrument_topic((<Instrument>data).id), data)
        else:
            topic = self._data_topics.get(t)
            if topic is None:
                topic = custom_data_topic(t)
                self._data_topics[t] = topic
            self._msgbus.publish_c(topic, data)

    cpdef void process(self, Data data) except *:
        """Validate, cache and publish `data`."""
        if self.accept(data):
            self.publish(data)
