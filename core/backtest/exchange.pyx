"""`SimulatedExchange` (one venue of a backtest) and its `BacktestExecClient`.

The exchange owns one `OrderMatchingEngine` per instrument, in registration order, and a queue
of in-flight commands: a command sent at ``t`` reaches the venue at
``t + base + insert|update|cancel latency`` (`LatencyModel`); commands due at the same time are
processed in the order they were sent. GTD orders of every instrument expire on the first data
point (of any instrument) with ``ts_init >= expire_time``. Only the most granular EXTERNAL bar
type of an instrument drives its matching; other bars still reach strategies.
"""

import cython
import heapq

from libc.stdint cimport INT64_MAX, int64_t

from core.backtest.matching cimport OrderMatchingEngine
from core.common.clock cimport Clock
from core.execution.client cimport ExecutionClient
from core.model.commands cimport CancelAllOrders, CancelOrder, CommandKind, ModifyOrder
from core.model.commands cimport SubmitOrder, TradingCommand
from core.model.data cimport Bar, Data, QuoteTick, TradeTick
from core.model.enums cimport OrderSide, TimeInForce
from core.model.identifiers cimport ClientId
from core.model.orders cimport Order


@cython.final
cdef class SimulatedExchange:
    """A simulated venue: matching engines per instrument plus latency for commands."""

    def __init__(self, spec, Clock clock not None):
        # `spec` is a resolved `core.backtest.venue.VenueSpec` (every model set); a msgspec
        # Struct, not an extension type, so it is checked here rather than in the signature.
        if spec is None:
            raise TypeError("SimulatedExchange: argument 'spec' is None, expected a VenueSpec")
        self.spec = spec
        self.venue = spec.venue
        self.oms_type = spec.oms_type
        self.account_type = spec.account_type
        self.base_currency = spec.base_currency
        self.starting_balances = list(spec.starting_balances)
        self.default_leverage = spec.default_leverage
        self.book_type = spec.book_type
        self.fill_model = spec.fill_model
        self.fee_model = spec.fee_model
        self.latency_model = spec.latency_model
        self._clock = clock
        self._engines = {}
        self._engine_list = []
        self._execution_bar_intervals = {}
        self.reset()

    def reset(self):
        self._queue = []
        self._seq = 0
        self._next_expire_ns = INT64_MAX
        self.fill_model.reset()
        for engine in self._engine_list:
            (<OrderMatchingEngine>engine).reset()

    def add_matching_engine(self, OrderMatchingEngine engine not None):
        self._engines[engine.instrument.id] = engine
        self._engine_list.append(engine)

    def matching_engine(self, instrument_id):
        return self._engines.get(instrument_id)

    def matching_engines(self):
        return list(self._engine_list)

    def set_execution_bar_interval(self, instrument_id, int64_t interval_ns):
        """Only EXTERNAL bars of this interval drive the instrument's matching."""
        self._execution_bar_intervals[instrument_id] = interval_ns

    cdef void process_data(self, Data data) except *:
        cdef OrderMatchingEngine engine
        cdef object t = type(data)
        cdef Bar bar
        if t is Bar:
            bar = <Bar>data
            engine = self._engines.get(bar.bar_type.instrument_id)
            if engine is None:
                return
            interval = self._execution_bar_intervals.get(bar.bar_type.instrument_id)
            if interval is not None and bar.bar_type.spec.is_time_aggregated() and \
                    bar.bar_type.spec.interval_ns() != interval:
                return
            engine.process_bar(bar)
        elif t is QuoteTick:
            engine = self._engines.get((<QuoteTick>data).instrument_id)
            if engine is not None:
                engine.process_quote_tick(<QuoteTick>data)
        elif t is TradeTick:
            engine = self._engines.get((<TradeTick>data).instrument_id)
            if engine is not None:
                engine.process_trade_tick(<TradeTick>data)

    cdef void expire_orders(self, int64_t ts) except *:
        """Expire GTD orders of all instruments due at `ts` (a loop iteration at `ts`)."""
        cdef OrderMatchingEngine engine
        cdef Order order
        cdef int64_t next_expire = INT64_MAX
        if ts < self._next_expire_ns:
            return
        for e in self._engine_list:
            engine = e
            engine._expire(ts)
            for o in engine._working:
                order = o
                if order.time_in_force == TimeInForce.GTD and order.expire_time_ns < next_expire:
                    next_expire = order.expire_time_ns
        self._next_expire_ns = next_expire

    cdef void send(self, TradingCommand command) except *:
        cdef int64_t latency = self.latency_model.base_latency_nanos
        if command.kind == CommandKind.SUBMIT_ORDER:
            latency += self.latency_model.insert_latency_nanos
        elif command.kind == CommandKind.MODIFY_ORDER:
            latency += self.latency_model.update_latency_nanos
        else:
            latency += self.latency_model.cancel_latency_nanos
        self._seq += 1
        heapq.heappush(self._queue, (self._clock.timestamp_ns() + latency, self._seq, command))

    cdef int64_t next_command_time(self):
        if not self._queue:
            return INT64_MAX
        return self._queue[0][0]

    cdef void process_commands(self, int64_t ts) except *:
        """Process every queued command due at or before `ts`, including ones queued meanwhile."""
        cdef TradingCommand command
        cdef OrderMatchingEngine engine
        cdef Order order
        # Compare the due time as a C int (no Python int built from `ts` per check).
        while self._queue and <int64_t>(<tuple>self._queue[0])[0] <= ts:
            command = heapq.heappop(self._queue)[2]
            # A submitted order's id is the instrument's own object (RiskEngine): hits on identity.
            engine = self._engines.get(
                (<SubmitOrder>command).order.instrument_id
                if command.kind == CommandKind.SUBMIT_ORDER else command.instrument_id)
            if engine is None:
                continue
            if command.kind == CommandKind.SUBMIT_ORDER:
                order = (<SubmitOrder>command).order
                if order.time_in_force == TimeInForce.GTD and \
                        order.expire_time_ns < self._next_expire_ns:
                    self._next_expire_ns = order.expire_time_ns
                engine.process_submit(order)
            elif command.kind == CommandKind.MODIFY_ORDER:
                engine.process_modify(command)
            elif command.kind == CommandKind.CANCEL_ORDER:
                engine.process_cancel(command)
            else:
                self._cancel_all(engine, <CancelAllOrders>command)

    def _cancel_all(self, OrderMatchingEngine engine, CancelAllOrders command):
        cdef Order order
        for o in engine.working_orders():
            order = o
            if order.strategy_id != command.strategy_id:
                continue
            if command.order_side != OrderSide.NO_ORDER_SIDE and order.side != command.order_side:
                continue
            engine.process_cancel(CancelOrder(
                command.trader_id, command.strategy_id, command.instrument_id,
                order.client_order_id, order.venue_order_id, command.id, command.ts_init,
            ))


@cython.final
cdef class BacktestExecClient(ExecutionClient):
    """Sends commands to a `SimulatedExchange` (through its latency queue)."""

    def __init__(self, SimulatedExchange exchange not None, account_id):
        ExecutionClient.__init__(
            self, ClientId(exchange.venue.value), exchange.venue, account_id, exchange.oms_type,
            exchange.account_type,
        )
        self._exchange = exchange

    cdef void submit_order(self, SubmitOrder command) except *:
        self._exchange.send(command)

    cdef void modify_order(self, ModifyOrder command) except *:
        self._exchange.send(command)

    cdef void cancel_order(self, CancelOrder command) except *:
        self._exchange.send(command)

    cdef void cancel_all_orders(self, CancelAllOrders command) except *:
        self._exchange.send(command)
