"""Orders, their events, positions and accounts survive pickle (multiprocessing, Ray objects).

Under the kernel's ``allow_none_for_extension_args=False`` Cython's generated pickle support
refused its own ``None`` state ("Argument '__pyx_state' has incorrect type"), and accounts had no
pickle support at all; setup.py and ``Account.__reduce__`` fix both.
"""

from __future__ import annotations

import pickle

import pytest
from core.model.accounts import CashAccount

from core.model.currencies import USD
from core.model.identifiers import AccountId, Venue
from core.model.objects import Money
from node.demo import build_demo_engine


@pytest.fixture(scope="module")
def engine():
    engine = build_demo_engine(bars=3000)
    engine.run()
    return engine


def roundtrip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def test_every_order_and_its_events_roundtrip_field_for_field(engine):
    orders = engine.cache.orders()
    assert len(orders) > 10
    for order in orders:
        back = roundtrip(order)
        assert type(back) is type(order)
        assert repr(back) == repr(order)
        for name in ("client_order_id", "status", "quantity", "filled_qty", "side", "ts_init"):
            assert getattr(back, name) == getattr(order, name), name
        assert [repr(e) for e in back.events] == [repr(e) for e in order.events]
        for event in order.events:
            again = roundtrip(event)
            assert type(again) is type(event) and repr(again) == repr(event)


def test_positions_roundtrip_with_their_pnl(engine):
    positions = engine.cache.positions()
    assert positions
    for position in positions:
        back = roundtrip(position)
        assert repr(back) == repr(position)
        assert back.realized_pnl == position.realized_pnl
        assert back.quantity == position.quantity


def test_margin_account_roundtrips_balances_history_and_leverage(engine):
    account = engine.cache.account_for_venue(Venue("SIM"))
    back = roundtrip(account)
    assert type(back) is type(account)
    assert repr(back.balances()) == repr(account.balances())
    assert back.event_count == account.event_count > 1
    assert repr(back.balance_history()) == repr(account.balance_history())
    assert back.default_leverage == account.default_leverage


def test_cash_account_roundtrips():
    account = CashAccount(AccountId("SIM-001"), USD, [Money(1_000, USD)])
    back = roundtrip(account)
    assert type(back) is CashAccount
    assert back.balance_total(USD) == Money(1_000, USD)
    assert back.base_currency == USD and back.id == AccountId("SIM-001")
