"""Order and position status checks are properties, as in NautilusTrader.

A ported strategy reads ``order.is_open`` without calling it; when these were methods that read a
bound method (always true), and a market maker re-quoted on every tick.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from node.demo import build_demo_engine

ORDER_PROPERTIES = [
    "is_open", "is_closed", "is_inflight", "is_emulated", "is_active_local", "is_canceled",
    "is_pending_update", "is_pending_cancel", "is_buy", "is_sell", "is_passive",
    "is_aggressive", "is_contingency", "is_parent_order", "is_child_order", "is_primary",
    "is_spawned", "has_price", "has_trigger_price", "is_post_only", "is_reduce_only",
    "is_quote_quantity", "init_event",
]  # fmt: skip


@pytest.fixture(scope="module")
def engine():
    engine = build_demo_engine(bars=3000)
    engine.run()
    return engine


@pytest.mark.parametrize("name", ORDER_PROPERTIES)
def test_order_status_checks_are_properties_not_methods(engine, name):
    order = engine.cache.orders()[0]
    value = getattr(order, name)
    assert not callable(value), f"Order.{name} is a method; NautilusTrader has a property"


def test_a_filled_market_order_reads_closed_not_open(engine):
    order = engine.cache.orders()[0]
    assert order.status_string() == "FILLED"
    assert order.is_closed is True and order.is_open is False and order.is_inflight is False
    assert order.is_aggressive is True and order.is_passive is False
    assert order.is_buy is not order.is_sell
    assert order.is_emulated is False and order.is_canceled is False
    assert order.is_primary is False and order.is_spawned is False
    assert order.init_event is order.events[0]


def test_position_is_open_and_is_closed_are_properties(engine):
    positions = engine.cache.positions()
    closed = [p for p in positions if p.is_closed]
    assert closed and all(p.is_open is False for p in closed)
    assert not callable(positions[0].is_open) and not callable(positions[0].is_closed)


NT_PROPERTIES = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "nt_properties.json").read_text()
)


@pytest.mark.parametrize("kind", ["Order", "Position"])
def test_every_nautilus_trader_property_we_have_is_read_without_a_call(engine, kind):
    # tests/data/nt_properties.json: the attributes NautilusTrader 1.231 reads without a call.
    obj = engine.cache.orders()[0] if kind == "Order" else engine.cache.positions()[0]
    methods = [
        n for n in NT_PROPERTIES[kind] if hasattr(obj, n) and inspect.ismethod(getattr(obj, n))
    ]
    methods += [
        n
        for n in NT_PROPERTIES[kind]
        if hasattr(obj, n) and type(getattr(obj, n)).__name__ == "builtin_function_or_method"
    ]
    assert not methods, f"{kind} has methods where NautilusTrader has properties: {methods}"
    have = [n for n in NT_PROPERTIES[kind] if hasattr(obj, n)]
    assert len(have) >= 20
