"""`Trader`: the node's actors and strategies, their lifecycle and the reports over them."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import ValidationError
from core.model.identifiers import TraderId, Venue
from core.trading.actor import Actor
from core.trading.strategy import Strategy

__all__ = ["Trader"]


class Trader:
    """Holds a node's actors and strategies and starts/stops them in registration order.

    Parameters
    ----------
    trader_id : TraderId
    cache, portfolio, msgbus
        The node's components.
    clock_factory : callable
        Returns a new clock for each registered component.
    uuid_factory_factory : callable
        Returns a new UUIDFactory for each registered component (seeded in a backtest).
    """

    def __init__(
        self,
        trader_id: TraderId,
        cache,
        portfolio,
        msgbus,
        clock_factory: Callable,
        uuid_factory_factory: Callable,
    ) -> None:
        self.id = trader_id
        self._cache = cache
        self._portfolio = portfolio
        self._msgbus = msgbus
        self._clock_factory = clock_factory
        self._uuid_factory_factory = uuid_factory_factory
        self._actors: list[Actor] = []
        self._strategies: list[Strategy] = []
        self._clocks: list = []

    @property
    def clocks(self) -> list:
        """The clocks of the registered components, in registration order."""
        return list(self._clocks)

    def actors(self) -> list[Actor]:
        return list(self._actors)

    def strategies(self) -> list[Strategy]:
        return list(self._strategies)

    def strategy_ids(self) -> list:
        return [s.strategy_id for s in self._strategies]

    def _register(self, component: Actor) -> None:
        ids = {c.id for c in self._actors + self._strategies}
        if component.id in ids:
            raise ValidationError(
                f"Trader {self.id}: component id {component.id} already registered, expected "
                f"unique ids (set order_id_tag or component_id in the config)"
            )
        if component.cache is not None:
            raise ValidationError(
                f"Trader {self.id}: {component.id} is already registered with a node, expected "
                f"a new instance"
            )
        clock = self._clock_factory()
        component.register_base(
            self.id, self._portfolio, self._msgbus, self._cache, clock, self._uuid_factory_factory()
        )
        self._clocks.append(clock)

    def add_actor(self, actor: Actor) -> None:
        """Register `actor` with the node."""
        if not isinstance(actor, Actor) or isinstance(actor, Strategy):
            raise ValidationError(
                f"Trader.add_actor: invalid value {actor!r}, expected an Actor (use "
                f"add_strategy for strategies)"
            )
        self._register(actor)
        self._actors.append(actor)

    def add_strategy(self, strategy: Strategy) -> None:
        """Register `strategy` with the node."""
        if not isinstance(strategy, Strategy):
            raise ValidationError(
                f"Trader.add_strategy: invalid value {strategy!r}, expected a Strategy"
            )
        self._register(strategy)
        self._strategies.append(strategy)

    def components(self) -> list[Actor]:
        return self._actors + self._strategies

    def start(self) -> None:
        for component in self.components():
            component.start()

    def stop(self) -> None:
        for component in self.components():
            if component.is_running:
                component.stop()

    def reset(self) -> None:
        for component in self.components():
            if not component.is_faulted and not component.is_disposed:
                if component.is_running:
                    component.stop()
                component.reset()

    def dispose(self) -> None:
        for component in self.components():
            if not component.is_disposed:
                if component.is_running:
                    component.stop()
                component.dispose()

    # -- reports (pandas DataFrames) -------------------------------------------------------

    def generate_orders_report(self):
        from core.analysis.reports import orders_report

        return orders_report(self._cache)

    def generate_order_fills_report(self):
        from core.analysis.reports import order_fills_report

        return order_fills_report(self._cache)

    def generate_fills_report(self):
        from core.analysis.reports import fills_report

        return fills_report(self._cache)

    def generate_positions_report(self):
        from core.analysis.reports import positions_report

        return positions_report(self._cache)

    def generate_account_report(self, venue: Venue):
        from core.analysis.reports import account_report

        return account_report(self._cache, venue)
