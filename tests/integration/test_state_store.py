"""The node's state store in a real Redis (issue 12 point 3): intents durable before send,
group commits, flush before load, fail closed while Redis is down and converge after."""

from __future__ import annotations

import asyncio
import itertools

import pytest
import redis

from core.errors import ConfigError
from node.config import config_from_dict
from node.persistence.codec import decode_event, encode_event
from node.persistence.state import RedisStateStore, StateStoreConfig, StateStoreError
from tests.harness.redis import RedisServer
from tests.kit.order_events import EventBuilder

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def server():
    with RedisServer() as server:
        yield server


def _config(server, trader, **changes) -> StateStoreConfig:
    return StateStoreConfig(
        url=f"redis://127.0.0.1:{server.port}/0",
        username=f"trader-{trader}",
        password=server.password(trader),
        **changes,
    )


@pytest.fixture
def trader(server):
    trader = f"T{next(_ids)}"
    server.add_trader(trader)
    return trader


def _store(server, trader, **changes) -> RedisStateStore:
    return RedisStateStore(_config(server, trader, **changes), trader)


def test_the_intent_is_committed_before_intent_returns(server, trader):
    b = EventBuilder()
    order = b.limit(coid="O-1")
    store = _store(server, trader)
    store.open()
    assert store.intent(order, None) is True
    # a second connection already sees it: it was committed, not buffered
    admin = server.admin()
    try:
        assert admin.hexists(f"trader:{trader}:intents", "O-1")
        records = admin.lrange(f"trader:{trader}:journal", 0, -1)
        assert [decode_event(r) for r in records] == [order.init_event]
    finally:
        admin.close()
        store.close()


def test_a_venue_answer_resolves_the_intent_and_events_are_journaled_in_order(server, trader):
    b = EventBuilder()
    order = b.limit(coid="O-2")
    store = _store(server, trader)
    store.open()
    store.intent(order, None)
    submitted, accepted = b.submitted(order), b.accepted(order)
    store.event(order, submitted)
    store.commit()
    assert server.admin().hexists(f"trader:{trader}:intents", "O-2")  # submitted is ours
    store.event(order, accepted)
    fill = b.filled(order, "100000")
    store.event(order, fill)
    assert store.commit()
    store.close()
    state = _store(server, trader).open()
    assert state.events == [order.init_event, submitted, accepted, fill]
    assert state.intents == []


def test_events_of_one_loop_turn_are_one_commit(server, trader):
    b = EventBuilder()
    store = _store(server, trader)
    store.open()

    async def turn():
        store.bind(asyncio.get_running_loop())
        for i in range(50):
            order = b.market(coid=f"M-{i}")
            store.event(order, b.denied(order))
        assert store.pending == 100  # 50 inits + 50 denials, not yet written
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(turn())
    assert store.commits == 1 and store.pending == 0 and store.records == 100
    store.close()
    assert len(_store(server, trader).open().events) == 100


def test_an_unresolved_intent_is_reported_at_restart_with_its_position_id(server, trader):
    from core.model.identifiers import PositionId

    b = EventBuilder()
    order = b.market(coid="O-3")
    store = _store(server, trader)
    store.open()
    store.intent(order, PositionId("P-9"))
    store.close()
    state = _store(server, trader).open()
    assert state.intents == ["O-3"]
    assert state.position_ids == {"O-3": PositionId("P-9")}
    assert state.events == [order.init_event]


def test_flush_on_start_deletes_before_loading(server, trader):
    b = EventBuilder()
    order = b.market(coid="O-4")
    store = _store(server, trader)
    store.open()
    store.intent(order, None)
    store.close()
    state = _store(server, trader, flush_on_start=True).open()
    assert state.events == [] and state.intents == []
    assert _store(server, trader).open().events == []


def test_a_batch_sent_twice_loads_once(server, trader):
    b = EventBuilder()
    order = b.market(coid="O-5")
    denied = b.denied(order)
    records = [encode_event(order.init_event), encode_event(denied)]
    admin = server.admin()
    for _ in range(2):  # as when a commit's reply was lost and the batch was sent again
        admin.rpush(f"trader:{trader}:journal", *records)
    admin.close()
    state = _store(server, trader).open()
    assert state.events == [order.init_event, denied]
    assert state.duplicates == 2


def test_a_corrupt_record_is_named_by_key_and_index(server, trader):
    admin = server.admin()
    b = EventBuilder()
    order = b.market(coid="O-6")
    admin.rpush(f"trader:{trader}:journal", encode_event(order.init_event), b"\xc1garbage")
    admin.close()
    with pytest.raises(StateStoreError, match=rf"trader:{trader}:journal\[1\]: event record"):
        _store(server, trader).open()


def test_unreachable_or_refusing_redis_stops_the_start_with_one_line(server, trader):
    port = server.port
    dead = RedisStateStore(StateStoreConfig(url="redis://127.0.0.1:1/0", timeout_secs=0.2), trader)
    with pytest.raises(StateStoreError, match=r"redis://127.0.0.1:1/0 unreachable"):
        dead.open()
    wrong = RedisStateStore(
        StateStoreConfig(
            url=f"redis://127.0.0.1:{port}/0", username=f"trader-{trader}", password="wrong"
        ),
        trader,
    )
    with pytest.raises(StateStoreError, match="refused the login"):
        wrong.open()
    # another trader's user may not touch this trader's keys
    other = f"T{next(_ids)}"
    server.add_trader(other)
    thief = RedisStateStore(_config(server, other), trader)
    with pytest.raises(StateStoreError, match=rf"refused a command on trader:{trader}:\*"):
        thief.open()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"url": "http://x"}, "node.state.url: invalid value 'http://x'"),
        ({"url": "redis://u:p@127.0.0.1:6379/0"}, "credentials in the URL"),
        ({"url": "redis://127.0.0.1:6379/0", "timeout_secs": 0}, "timeout_secs"),
        ({"url": "redis://127.0.0.1:6379/0", "flushonstart": True}, "flushonstart"),
    ],
)
def test_bad_state_settings_are_located_errors(state, expected):
    with pytest.raises(ConfigError, match=expected):
        config_from_dict(state, StateStoreConfig)


def test_the_password_is_redacted():
    config = StateStoreConfig(url="redis://127.0.0.1:6379/0", username="u", password="hunter2")
    assert "hunter2" not in repr(config)


def test_redis_down_denies_intents_keeps_events_and_converges_after(tmp_path):
    with RedisServer(root=tmp_path) as server:
        server.add_trader("TD")
        b = EventBuilder()
        store = _store(server, "TD", timeout_secs=0.2, retry_secs=0.05)
        store.open()
        first = b.market(coid="D-1")
        assert store.intent(first, None)
        server.stop()
        try:
            second = b.market(coid="D-2")
            assert store.intent(second, None) is False  # fail closed
            assert not store.available and store.denied == 1
            store.event(second, b.denied(second))
            third = b.market(coid="D-3")
            assert store.intent(third, None) is False  # no wait on a store known to be down
            store.event(first, b.submitted(first))
            pending = store.pending
            assert pending >= 3
        finally:
            server.cont()

        async def recover():
            store.bind(asyncio.get_running_loop())
            store._probe()  # the probe the failed commit would have scheduled on the loop

        asyncio.run(recover())
        assert store.available and store.pending == 0 and store.recoveries == 1
        store.close()
        events = _store(server, "TD").open().events
        assert [type(e).__name__ for e in events] == [
            "OrderInitialized",
            "OrderInitialized",
            "OrderDenied",
            "OrderSubmitted",
        ]


def test_a_killed_redis_keeps_every_acknowledged_intent(tmp_path):
    with RedisServer(root=tmp_path) as server:
        server.add_trader("TK")
        b = EventBuilder()
        store = _store(server, "TK", timeout_secs=0.5)
        store.open()
        orders = [b.market(coid=f"K-{i}") for i in range(30)]
        acknowledged = [o for o in orders if store.intent(o, None)]
        assert len(acknowledged) == 30
        server.kill()
        server.start()
        state = _store(server, "TK").open()
        assert state.intents == sorted(o.client_order_id.value for o in acknowledged)
        assert {e.client_order_id.value for e in state.events} == set(state.intents)


def test_least_privilege_user_cannot_flush_or_list(server, trader):
    client = redis.Redis.from_url(
        f"redis://127.0.0.1:{server.port}/0",
        username=f"trader-{trader}",
        password=server.password(trader),
    )
    try:
        for command in (("FLUSHALL",), ("KEYS", "*"), ("CONFIG", "GET", "*")):
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.execute_command(*command)
    finally:
        client.close()
