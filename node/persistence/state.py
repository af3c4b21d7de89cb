"""A trading node's state in Redis: the order journal and the submit intents (issue 12 point 3).

Keys (one prefix per trader, so one Redis user per trader can be limited to it by ACL; no key
is ever found by ``KEYS``/``SCAN``, which that user may not run):

``trader:{trader_id}:journal``
    A list of `node.persistence.codec` records, oldest first: every order event the execution
    engine published (the ``OrderInitialized`` first), in order. State is rebuilt by replaying
    it through the engine (`ExecutionEngine.replay`): orders, positions and the portfolio's
    accounts come back exactly as they were, because they are computed, not copied.
``trader:{trader_id}:intents``
    A hash: client order id → the submit intent of an order that left the node and has no
    answer from the venue yet. The intent is written and committed *before* the order is sent
    (persist before transport; with ``appendfsync always`` the reply means it is on disk), and
    deleted with the first venue event. On restart each one is an order whose fate only the
    venue knows: reconciliation asks it; nothing is ever resubmitted from here.
``trader:{trader_id}:meta``
    A hash with the schema version.

Writes are buffered and committed in groups (one pipelined round trip per loop turn: the events
one market event caused cost one round trip and one fsync). Not ``MULTI``/``EXEC``: a Redis
without the fix of redis/redis#14545 re-checks ACLs when it replays an ``EXEC`` from the AOF;
its AOF client fails that check, so after a restart every transaction an ACL user wrote is gone
(redis/redis#14541, seen here with Debian's 7.0.15; `tests/integration/test_state_store.py`
kills Redis and checks). Without a transaction a batch cut by a failed connection may be
applied in part; it stays pending and is sent again whole, and the loader drops the event ids
it has already replayed (intent writes are idempotent).

When Redis is unreachable the node does not crash: `intent` returns False (the engine denies
the order, reason "state store unavailable": fail closed), cancels still go out, events stay
buffered in memory, and a probe every ``retry_secs`` commits them once Redis answers again, so
the store converges with the in-memory state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated

import msgspec
import redis
from core.model.events import OrderInitialized, OrderSubmitted

from core.errors import ConfigError
from core.model.identifiers import PositionId
from node.config import NodeConfig
from node.persistence.codec import SCHEMA_VERSION, CodecError, decode_event, encode_event

__all__ = ["LoadedState", "RedisStateStore", "StateStoreConfig", "StateStoreError"]

_log = logging.getLogger("flotilla.state")
_REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


class StateStoreError(ConfigError):
    """The state store cannot be opened (unreachable at start, refused, or corrupt)."""


class StateStoreConfig(NodeConfig, frozen=True, kw_only=True):
    """``[node.state]``: where a node keeps its state.

    ``url`` is ``redis://host:port/db`` (or ``rediss://``, ``unix://``) without credentials;
    ``username`` and ``password`` are separate fields so the password is redacted wherever a
    config is shown or stored.
    """

    url: str
    username: str | None = None
    password: str | None = None
    flush_on_start: bool = False
    timeout_secs: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    retry_secs: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 1.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(
                f"node.state.url: invalid value {self.url!r}, expected redis://host:port/db"
            )
        if "@" in self.url.split("//", 1)[1].split("/", 1)[0]:
            raise ConfigError(
                "node.state.url: credentials in the URL, expected them in node.state.username "
                "and node.state.password (so the password is redacted)"
            )


class LoadedState(msgspec.Struct, frozen=True):
    """What `RedisStateStore.open` found."""

    events: list  # order events to replay, oldest first (repeats dropped)
    position_ids: dict  # client order id -> PositionId the submit asked for
    intents: list[str]  # client order ids sent without a venue answer yet
    duplicates: int  # records dropped because their event id was already replayed


class RedisStateStore:
    """The journal and intents of trader `trader_id` in Redis (see the module docstring)."""

    def __init__(self, config: StateStoreConfig, trader_id: str) -> None:
        self.config = config
        self.prefix = f"trader:{trader_id}:"
        self.journal_key = self.prefix + "journal"
        self.intents_key = self.prefix + "intents"
        self.meta_key = self.prefix + "meta"
        self._client = redis.Redis.from_url(
            config.url,
            username=config.username,
            password=config.password,
            socket_timeout=config.timeout_secs,
            socket_connect_timeout=config.timeout_secs,
            retry_on_timeout=False,
        )
        self._pending: list[tuple] = []  # (command, key, *args) not yet committed
        self._journaled: set[str] = set()  # orders whose OrderInitialized is in the journal
        self._waiting: set[str] = set()  # orders with an intent and no venue answer
        self._commit_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.available = True
        self.down_since: float | None = None
        # counters
        self.commits = 0
        self.records = 0
        self.failures = 0
        self.denied = 0
        self.recoveries = 0

    # -- start -----------------------------------------------------------------------------------

    def open(self) -> LoadedState:
        """Flush (``flush_on_start``) and then load the trader's state.

        Raises
        ------
        StateStoreError
            Redis unreachable or refusing (names the URL and the error), or a corrupt record
            (names the key and its index).
        """
        try:
            if self.config.flush_on_start:
                self._client.delete(self.journal_key, self.intents_key, self.meta_key)
            version = self._client.hget(self.meta_key, "schema")
            if version is not None and int(version) != SCHEMA_VERSION:
                raise StateStoreError(
                    f"{self.meta_key}: schema {int(version)}, expected {SCHEMA_VERSION}; "
                    f"flush it (node.state.flush_on_start = true) or use that version"
                )
            self._client.hset(self.meta_key, "schema", SCHEMA_VERSION)
            records = self._client.lrange(self.journal_key, 0, -1)
            intents = self._client.hgetall(self.intents_key)
        except redis.AuthenticationError as err:
            raise StateStoreError(
                f"node.state: {self.config.url} refused the login: {err}"
            ) from None
        except redis.exceptions.NoPermissionError as err:
            raise StateStoreError(
                f"node.state: {self.config.url} refused a command on {self.prefix}*: {err}"
            ) from None
        except _REDIS_ERRORS as err:
            raise StateStoreError(
                f"node.state: {self.config.url} unreachable ({type(err).__name__}: {err}); the "
                f"node does not start without its state"
            ) from None
        events = []
        seen: set = set()
        duplicates = 0
        for index, record in enumerate(records):
            try:
                event = decode_event(record)
            except CodecError as err:
                raise StateStoreError(f"{self.journal_key}[{index}]: {err}") from None
            if event.id in seen:
                duplicates += 1
                continue
            seen.add(event.id)
            events.append(event)
            if type(event) is OrderInitialized:
                self._journaled.add(event.client_order_id.value)
        position_ids = {}
        waiting = []
        for coid, raw in sorted(intents.items()):
            coid = coid.decode()
            position_id = msgspec.msgpack.decode(raw)[0]
            if position_id is not None:
                position_ids[coid] = PositionId(position_id)
            waiting.append(coid)
            self._waiting.add(coid)
        return LoadedState(events, position_ids, waiting, duplicates)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Commit on `loop`: once per loop turn with pending writes, and probe while down."""
        self._loop = loop

    # -- the engine's journal interface ------------------------------------------------------------

    def intent(self, order, position_id) -> bool:
        """Record that `order` is about to be sent and commit everything pending; True when
        durable, False when the store is unavailable (the order is then denied)."""
        if not self.available:
            self.denied += 1
            return False
        coid = order.client_order_id.value
        self._journal_init(order)
        self._pending.append(
            (
                "hset",
                self.intents_key,
                coid,
                msgspec.msgpack.encode(
                    [None if position_id is None else position_id.value, time.time_ns()]
                ),
            )
        )
        if not self.commit():
            self.denied += 1
            return False
        self._waiting.add(coid)
        return True

    def event(self, order, event) -> None:
        """Journal `event` of `order` (buffered; committed this loop turn)."""
        coid = event.client_order_id.value
        if coid not in self._journaled and order is not None:
            self._journal_init(order)
        self._pending.append(("rpush", self.journal_key, encode_event(event)))
        if coid in self._waiting and type(event) is not OrderSubmitted:
            self._waiting.discard(coid)  # the venue answered: the intent is resolved
            self._pending.append(("hdel", self.intents_key, coid))
        self._schedule_commit()

    def _journal_init(self, order) -> None:
        coid = order.client_order_id.value
        if coid not in self._journaled:
            self._journaled.add(coid)
            self._pending.append(("rpush", self.journal_key, encode_event(order.init_event)))

    # -- commits -----------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _schedule_commit(self) -> None:
        if self._commit_scheduled or self._loop is None or not self.available:
            return
        self._commit_scheduled = True
        self._loop.call_soon(self._scheduled_commit)

    def _scheduled_commit(self) -> None:
        self._commit_scheduled = False
        self.commit()

    def commit(self) -> bool:
        """Send every pending write in one transaction; True when Redis acknowledged them (or
        there were none). On failure they stay pending and the store is unavailable until a
        probe succeeds."""
        if not self._pending:
            return True
        batch = self._pending
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for command, *args in batch:
                    getattr(pipe, command)(*args)
                pipe.execute()
        except _REDIS_ERRORS + (redis.ResponseError,) as err:
            self.failures += 1
            if self.available:
                self.available = False
                self.down_since = time.monotonic()
                _log.error(
                    "state store %s unavailable (%s: %s): new orders are denied until it "
                    "answers; %d writes kept",
                    self.config.url,
                    type(err).__name__,
                    err,
                    len(batch),
                )
                if self._loop is not None:
                    self._loop.call_later(self.config.retry_secs, self._probe)
            return False
        self._pending = self._pending[len(batch) :] if self._pending is not batch else []
        self.commits += 1
        self.records += len(batch)
        return True

    def _probe(self) -> None:
        if self.available:
            return
        try:
            self._client.ping()
        except _REDIS_ERRORS + (redis.ResponseError,):
            if self._loop is not None:
                self._loop.call_later(self.config.retry_secs, self._probe)
            return
        self.available = True
        if self.commit():
            self.recoveries += 1
            _log.warning(
                "state store %s available again after %.1f s: converged",
                self.config.url,
                time.monotonic() - (self.down_since or time.monotonic()),
            )
            self.down_since = None

    def close(self) -> bool:
        """Commit what is pending (once) and close; True when nothing was left unwritten."""
        ok = self.commit()
        self._client.close()
        return ok
