"""Unit tests of `CashAccount` and `MarginAccount` (core/model/accounts.pyx).

Amounts are hand-computed; the comment above each literal shows the arithmetic.
"""

from decimal import Decimal

import pytest
from core.model.accounts import CashAccount, MarginAccount
from core.model.events import AccountBalance, AccountState, MarginBalance
from core.model.position import Position

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import AccountType, OrderSide
from core.model.identifiers import AccountId, InstrumentId, Symbol
from core.model.instruments import CryptoPerpetual
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUIDFactory
from core.testkit import TestInstrumentProvider
from tests.kit.order_events import EventBuilder, fill_event

USD = Currency.from_str("USD")
USDT = Currency.from_str("USDT")
EUR = Currency.from_str("EUR")
BTC = Currency.from_str("BTC")
BNB = Currency.from_str("BNB")
ACCOUNT_ID = AccountId("SIM-001")
BUY, SELL = OrderSide.BUY, OrderSide.SELL

PERP = TestInstrumentProvider.btcusdt_perp()  # margin_init 0.01, margin_maint 0.005
EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")  # margins 0.03
AAPL = TestInstrumentProvider.equity()

XBT = CryptoPerpetual(
    instrument_id=InstrumentId.from_str("XBTUSD-PERP.BITMEX"),
    raw_symbol=Symbol("XBTUSD"),
    base_currency=BTC,
    quote_currency=USD,
    settlement_currency=BTC,
    is_inverse=True,
    price_precision=1,
    size_precision=0,
    price_increment=Price.from_str("0.5"),
    size_increment=Quantity.from_int(1),
    margin_init=Decimal("0.01"),
    margin_maint=Decimal("0.005"),
    ts_event=0,
    ts_init=0,
)


def money(text):
    return Money.from_str(text)


def raw(text):
    return Money.from_str(text).raw


def margin_account(balances=("10000.00000000 USDT",), leverage=Decimal(1)):
    return MarginAccount(ACCOUNT_ID, None, [money(b) for b in balances], leverage)


def assert_balances_consistent(account):
    for balance in account.balances():
        assert balance.total.raw == balance.locked.raw + balance.free.raw


# --------------------------------------------------------------------------------------------
# Margins
# --------------------------------------------------------------------------------------------

MARGINS = [
    # (instrument, qty, px, leverage, expected init, expected maint)
    # 0.500 × 30000.0 = 15000 USDT; × 0.01 / 1 ; × 0.005 / 1
    (PERP, "0.500", "30000.0", 1, "150.00000000 USDT", "75.00000000 USDT"),
    # 15000 / 10 × 0.01 ; 15000 / 10 × 0.005
    (PERP, "0.500", "30000.0", 10, "15.00000000 USDT", "7.50000000 USDT"),
    # 15000 / 2.5 × 0.01 ; 15000 / 2.5 × 0.005
    (PERP, "0.500", "30000.0", Decimal("2.5"), "60.00000000 USDT", "30.00000000 USDT"),
    # 0.333 × 30000.1 = 9990.0333; / 7 × 0.01 = 14.271476142857… ; / 7 × 0.005 = 7.1357380714…
    (PERP, "0.333", "30000.1", 7, "14.27147614 USDT", "7.13573807 USDT"),
    # 100000 × 1.10003 = 110003.00 USD; × 0.03 (init and maint)
    (EURUSD, "100000", "1.10003", 1, "3300.09 USD", "3300.09 USD"),
    # 110003.00 / 10 × 0.03 = 330.009 → 330.01
    (EURUSD, "100000", "1.10003", 10, "330.01 USD", "330.01 USD"),
    # 100000 × 1.10000 / 32 × 0.03 = 103.125 → half to even → 103.12
    (EURUSD, "100000", "1.10000", 32, "103.12 USD", "103.12 USD"),
    # inverse: 10000 / 40000.0 = 0.25 BTC; × 0.01 ; × 0.005
    (XBT, "10000", "40000.0", 1, "0.00250000 BTC", "0.00125000 BTC"),
    # 0.25 BTC / 10 × 0.01 ; × 0.005
    (XBT, "10000", "40000.0", 10, "0.00025000 BTC", "0.00012500 BTC"),
]


@pytest.mark.parametrize(
    ("instrument", "qty", "px", "leverage", "init", "maint"),
    MARGINS,
    ids=[f"{m[0].id}-{m[3]}x-{m[2]}" for m in MARGINS],
)
def test_margin_account_margins_notional_over_leverage_times_rate(
    instrument, qty, px, leverage, init, maint
):
    account = margin_account()
    account.set_leverage(instrument.id, leverage)
    qty_raw, px_raw = Quantity.from_str(qty).raw, Price.from_str(px).raw

    assert account.margin_init_raw(instrument, qty_raw, px_raw) == raw(init)
    assert account.margin_maint_raw(instrument, qty_raw, px_raw) == raw(maint)


def test_margin_account_default_leverage_applies_until_instrument_leverage_set():
    account = margin_account(leverage=Decimal(5))
    qty_raw, px_raw = Quantity.from_str("0.500").raw, Price.from_str("30000.0").raw

    assert account.default_leverage == Decimal(5)
    assert account.leverage(PERP.id) == Decimal(5)
    # 15000 / 5 × 0.01
    assert account.margin_init_raw(PERP, qty_raw, px_raw) == raw("30.00000000 USDT")

    account.set_leverage(PERP.id, 20)
    assert account.leverage(PERP.id) == Decimal(20)
    # 15000 / 20 × 0.01
    assert account.margin_init_raw(PERP, qty_raw, px_raw) == raw("7.50000000 USDT")


def test_margin_account_float_leverage_taken_as_written():
    account = margin_account(leverage=2.5)

    assert account.default_leverage == Decimal("2.5")


def test_margin_account_set_margins_locks_and_unlocks():
    account = margin_account()

    account.set_margins(PERP, raw("150 USDT"), raw("75 USDT"))
    assert account.balance_total(USDT) == money("10000.00000000 USDT")
    assert account.balance_locked(USDT) == money("225.00000000 USDT")
    assert account.balance_free(USDT) == money("9775.00000000 USDT")
    [margin] = account.margins()
    assert (margin.initial, margin.maintenance, margin.instrument_id) == (
        money("150 USDT"),
        money("75 USDT"),
        PERP.id,
    )
    assert_balances_consistent(account)

    account.set_margins(PERP, 0, raw("75 USDT"))  # the order filled: initial released
    assert account.balance_locked(USDT) == money("75.00000000 USDT")
    assert account.balance_free(USDT) == money("9925.00000000 USDT")

    account.set_margins(PERP, 0, 0)  # position closed
    assert account.balance_locked(USDT) == money("0 USDT")
    assert account.balance_free(USDT) == money("10000 USDT")
    assert account.margins() == []


def test_margin_account_margins_per_instrument_add_in_one_currency():
    eth = TestInstrumentProvider.btcusdt_perp(venue="BYBIT")
    account = margin_account()

    account.set_margins(PERP, raw("100 USDT"), 0)
    account.set_margins(eth, raw("40 USDT"), raw("10 USDT"))

    assert account.balance_locked(USDT) == money("150 USDT")
    assert [m.instrument_id for m in account.margins()] == [PERP.id, eth.id]


def test_margin_account_margin_in_new_currency_creates_zero_total_balance():
    account = margin_account()

    account.set_margins(XBT, raw("0.0025 BTC"), 0)

    assert account.balance_total(BTC) == money("0 BTC")
    assert account.balance_locked(BTC) == money("0.0025 BTC")
    assert account.balance_free(BTC) == money("-0.0025 BTC")
    assert_balances_consistent(account)


def test_margin_account_margins_in_a_given_currency_move_between_currencies():
    account = margin_account(("10000.00000000 USDT", "1 BTC"))

    # A base-currency account's margins arrive converted (the Portfolio passes the currency).
    account.set_margins(XBT, raw("0.0025 BTC"), 0)
    account.set_margins(XBT, raw("150 USDT"), raw("20 USDT"), USDT)

    assert account.balance_locked(BTC) == money("0 BTC")  # released where it was locked
    assert account.balance_locked(USDT) == money("170 USDT")
    [margin] = account.margins()
    assert (margin.initial, margin.maintenance) == (money("150 USDT"), money("20 USDT"))
    account.set_margins(XBT, 0, raw("20 USDT"), USDT)
    assert account.balance_locked(USDT) == money("20 USDT")
    assert_balances_consistent(account)


# --------------------------------------------------------------------------------------------
# Fills
# --------------------------------------------------------------------------------------------


def test_margin_account_apply_fill_settles_position_pnl_delta():
    b = EventBuilder()
    account = margin_account()
    open_fill = fill_event(
        b, PERP.id, "O-1", BUY, "0.500", "30000.0", commission="6.00000000 USDT", currency="USDT"
    )
    position = Position(PERP, open_fill)
    account.apply_fill(PERP, open_fill, position.realized_pnl_raw)
    # − 6.00 commission (already in the position's realized PnL)
    assert account.balance_total(USDT) == money("9994.00000000 USDT")

    before = position.realized_pnl_raw
    close_fill = fill_event(
        b, PERP.id, "O-2", SELL, "0.500", "30200.0", commission="6.04000000 USDT", currency="USDT"
    )
    position.apply(close_fill)
    account.apply_fill(PERP, close_fill, position.realized_pnl_raw - before)

    # (30200.0 − 30000.0) × 0.5 − 6.04 = 93.96 ; 9994.00 + 93.96
    assert account.balance_total(USDT) == money("10087.96000000 USDT")
    assert account.balance_locked(USDT) == money("0 USDT")
    assert_balances_consistent(account)


def test_margin_account_apply_fill_commission_in_other_currency_debited_there():
    b = EventBuilder()
    account = margin_account(("10000 USDT", "1.00000000 BNB"))
    fill = fill_event(
        b, PERP.id, "O-1", BUY, "0.500", "30000.0", commission="0.01500000 BNB", currency="USDT"
    )

    account.apply_fill(PERP, fill, 0)

    assert account.balance_total(BNB) == money("0.98500000 BNB")
    assert account.balance_total(USDT) == money("10000 USDT")
    assert account.currencies() == [USDT, BNB]


def test_margin_account_inverse_fill_settles_in_base_currency():
    b = EventBuilder()
    account = margin_account(("1.00000000 BTC",))
    fill = fill_event(b, XBT.id, "O-1", SELL, "1000", "31000.0", currency="BTC")

    account.apply_fill(XBT, fill, raw("0.00107527 BTC"))

    assert account.balance_total(BTC) == money("1.00107527 BTC")
    assert account.balance_total(USD) is None


def test_cash_account_spot_fx_buy_then_sell_moves_quote_and_base_exactly():
    b = EventBuilder()
    account = CashAccount(ACCOUNT_ID, None, [money("1000000.00 USD")])

    buy = fill_event(b, EURUSD.id, "O-1", BUY, "100000", "1.10003", commission="2.20 USD")
    account.apply_fill(EURUSD, buy, 0)
    # USD: 1 000 000.00 − 100000 × 1.10003 − 2.20 = 1 000 000.00 − 110 003.00 − 2.20
    assert account.balance_total(USD) == money("889994.80 USD")
    assert account.balance_total(EUR) == money("100000.00 EUR")

    sell = fill_event(b, EURUSD.id, "O-2", SELL, "50000", "1.10010", commission="1.10 USD")
    account.apply_fill(EURUSD, sell, 0)
    # USD: 889 994.80 + 50000 × 1.10010 − 1.10 = 889 994.80 + 55 005.00 − 1.10
    assert account.balance_total(USD) == money("944998.70 USD")
    assert account.balance_total(EUR) == money("50000.00 EUR")
    assert account.is_cash_account() and not account.is_margin_account()
    assert_balances_consistent(account)


def test_cash_account_spot_commission_in_base_currency_debited_there():
    b = EventBuilder()
    account = CashAccount(ACCOUNT_ID, None, [money("200000.00 USD")])
    buy = fill_event(b, EURUSD.id, "O-1", BUY, "100000", "1.10000", commission="2.00 EUR")

    account.apply_fill(EURUSD, buy, 0)

    # USD − 110 000.00 ; EUR + 100 000 − 2.00
    assert account.balance_total(USD) == money("90000.00 USD")
    assert account.balance_total(EUR) == money("99998.00 EUR")


def test_cash_account_equity_buy_debits_quote_only():
    b = EventBuilder()
    account = CashAccount(ACCOUNT_ID, USD, [money("10000.00 USD")])
    buy = fill_event(b, AAPL.id, "O-1", BUY, "10", "150.25", commission="1.00 USD")

    account.apply_fill(AAPL, buy, 0)

    # 10000.00 − 10 × 150.25 − 1.00
    assert account.balance_total() == money("8496.50 USD")
    assert account.currencies() == [USD]


def test_cash_account_derivative_fill_settles_pnl_delta():
    b = EventBuilder()
    account = CashAccount(ACCOUNT_ID, USDT, [money("1000 USDT")])
    fill = fill_event(
        b, PERP.id, "O-1", SELL, "0.500", "30200.0", commission="6.04 USDT", currency="USDT"
    )

    account.apply_fill(PERP, fill, raw("93.96 USDT"))

    assert account.balance_total(USDT) == money("1093.96 USDT")


# --------------------------------------------------------------------------------------------
# AccountState
# --------------------------------------------------------------------------------------------


def test_margin_account_snapshot_returns_and_records_account_state():
    uuids = UUIDFactory(3)
    account = margin_account(("10000 USDT", "1 BTC"))
    account.set_margins(PERP, raw("150 USDT"), raw("75 USDT"))
    event_id = uuids.generate()

    state = account.snapshot(event_id, 1_000)

    assert isinstance(state, AccountState)
    assert (state.account_id, state.account_type, state.base_currency, state.is_reported) == (
        ACCOUNT_ID,
        AccountType.MARGIN,
        None,
        False,
    )
    assert state.balances == [
        AccountBalance(money("10000 USDT"), money("225 USDT"), money("9775 USDT")),
        AccountBalance(money("1 BTC"), money("0 BTC"), money("1 BTC")),
    ]
    [margin] = state.margins
    assert isinstance(margin, MarginBalance)
    assert (margin.initial, margin.maintenance, margin.instrument_id) == (
        money("150 USDT"),
        money("75 USDT"),
        PERP.id,
    )
    assert (state.id, state.ts_event, state.ts_init) == (event_id, 1_000, 1_000)
    assert account.events == [state]
    assert account.last_event is state and account.event_count == 1


def test_cash_account_snapshot_has_no_margins():
    account = CashAccount(ACCOUNT_ID, USD, [money("5.00 USD")])

    state = account.snapshot(UUIDFactory(1).generate(), 7)

    assert state.account_type == AccountType.CASH
    assert state.base_currency == USD
    assert state.margins == []
    assert state.balances == [AccountBalance(money("5 USD"), money("0 USD"), money("5 USD"))]


def test_account_apply_state_replaces_balances():
    account = CashAccount(ACCOUNT_ID, USD, [money("5.00 USD")])
    state = AccountState(
        ACCOUNT_ID,
        AccountType.CASH,
        USD,
        True,
        [
            AccountBalance(money("5000.00 USD"), money("1000.00 USD"), money("4000.00 USD")),
            AccountBalance(money("2.00 EUR"), money("0 EUR"), money("2.00 EUR")),
        ],
        [],
        None,
        UUIDFactory(2).generate(),
        10,
        10,
    )

    account.apply(state)

    assert account.balance_total(USD) == money("5000.00 USD")
    assert account.balance_locked(USD) == money("1000.00 USD")
    assert account.balance_free(USD) == money("4000.00 USD")
    assert account.balance_total(EUR) == money("2.00 EUR")
    assert account.last_event is state


def test_account_apply_state_for_other_account_raises():
    account = CashAccount(ACCOUNT_ID, USD, [money("5.00 USD")])
    state = AccountState(
        AccountId("SIM-002"),
        AccountType.CASH,
        USD,
        True,
        [],
        [],
        None,
        UUIDFactory(2).generate(),
        10,
        10,
    )

    with pytest.raises(
        ValidationError, match=r"Account SIM-001: state for SIM-002 invalid, expected SIM-001"
    ):
        account.apply(state)

    assert account.balance_total(USD) == money("5.00 USD")
    assert account.event_count == 0


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leverage", [0, Decimal("0.5"), -1, 0.99, "abc", float("nan"), Decimal("Infinity"), None]
)
def test_margin_account_bad_default_leverage_raises(leverage):
    with pytest.raises(
        ValidationError,
        match=r"MarginAccount SIM-001: leverage .* invalid, expected a number "
        r">= 1",
    ):
        margin_account(leverage=leverage)


@pytest.mark.parametrize("leverage", [0, "0.9", "x"])
def test_margin_account_bad_instrument_leverage_raises_and_keeps_old(leverage):
    account = margin_account(leverage=3)

    with pytest.raises(
        ValidationError,
        match=rf"MarginAccount SIM-001: leverage '?{leverage}'? invalid, "
        r"expected a number >= 1",
    ):
        account.set_leverage(PERP.id, leverage)

    assert account.leverage(PERP.id) == Decimal(3)


@pytest.mark.parametrize("cls", [CashAccount, MarginAccount])
def test_account_negative_starting_balance_raises(cls):
    with pytest.raises(
        ValidationError,
        match=r"Account SIM-001: starting balance -1.00 USD invalid, expected "
        r">= 0",
    ):
        cls(ACCOUNT_ID, USD, [money("-1.00 USD")])


@pytest.mark.parametrize("balance", [100, Decimal("100"), "100 USD", None])
@pytest.mark.parametrize("cls", [CashAccount, MarginAccount])
def test_account_non_money_starting_balance_raises(cls, balance):
    with pytest.raises(
        ValidationError, match=r"Account SIM-001: starting balance .* invalid, expected Money"
    ):
        cls(ACCOUNT_ID, USD, [money("1.00 USD"), balance])


def test_account_balance_total_not_locked_plus_free_raises():
    with pytest.raises(
        ValueError,
        match=r"AccountBalance: total 10.00 USD - locked 2.00 USD != free "
        r"7.00 USD, expected total = locked \+ free",
    ):
        AccountBalance(money("10 USD"), money("2 USD"), money("7 USD"))


def test_account_balance_mixed_currencies_raises():
    with pytest.raises(
        ValueError, match=r"AccountBalance: currencies USD/EUR/USD differ, expected one"
    ):
        AccountBalance(money("10 USD"), money("0 EUR"), money("10 USD"))


def test_account_starting_balances_in_same_currency_add_up():
    account = CashAccount(ACCOUNT_ID, USD, [money("1.00 USD"), money("2.50 USD")])

    assert account.balance_total() == money("3.50 USD")
    assert account.balance_total(EUR) is None
