"""Event ids are held as two 64-bit halves inside the event (core/model/events.pyx).

The ``id`` property rebuilds the `UUID4`; equality of events compares type and id.
"""

from core.model.events import OrderDenied, OrderSubmitted, PositionOpened
from core.model.position import Position

from core.model.identifiers import ClientOrderId
from core.model.uuid import UUID4, UUIDFactory
from core.testkit import TestInstrumentProvider
from tests.kit.order_events import ACCOUNT, EURUSD, STRATEGY, TRADER, EventBuilder, fill_event


def submitted(event_id, coid="O-1"):
    return OrderSubmitted(TRADER, STRATEGY, EURUSD, ClientOrderId(coid), ACCOUNT, event_id, 1, 2)


def test_event_id_round_trips_through_its_halves():
    uid = UUID4("2d89666b-1a1e-4a75-b193-4eb3b454c757")

    event = submitted(uid)

    assert event.id == uid
    assert str(event.id) == "2d89666b-1a1e-4a75-b193-4eb3b454c757"
    assert hash(event) == hash(uid)


def test_event_built_without_id_reports_none():
    event = OrderDenied(TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), "no", None, 0)

    assert event.id is None


def test_events_equal_by_type_and_id_only():
    uuids = UUIDFactory(3)
    first, second = uuids.generate(), uuids.generate()

    assert submitted(first) == submitted(first, coid="O-2")  # same type and id
    assert submitted(first) != submitted(second)
    assert submitted(first) != OrderDenied(
        TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), "no", first, 0
    )


def test_position_event_keeps_its_id():
    builder = EventBuilder()
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    position = Position(
        instrument,
        fill_event(builder, EURUSD, "O-1", 1, "100000", "1.10000", position_id="P-1"),
    )
    uid = UUIDFactory(9).generate()

    event = position.to_event(PositionOpened, uid, 5)

    assert event.id == uid and event.ts_init == 5
