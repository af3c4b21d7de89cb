"""The Redis test harness (issue 12 point 7): a real redis-server, its ACL, its durability and
the kill/stop/continue controls the chaos scenarios rely on."""

from __future__ import annotations

import pytest
import redis

from tests.harness.redis import RedisServer


@pytest.fixture(scope="module")
def server():
    with RedisServer() as server:
        server.add_trader("T1")
        server.add_trader("T2")
        yield server


def test_the_default_user_is_off(server):
    anonymous = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
            anonymous.ping()
    finally:
        anonymous.close()


def test_a_trader_reads_and_writes_its_own_prefix(server):
    t1 = server.client("T1")
    try:
        t1.set("trader:T1:x", b"1")
        assert t1.get("trader:T1:x") == b"1"
        t1.hset("trader:T1:h", "a", "b")
        t1.xadd("trader:T1:stream", {"k": "v"}, maxlen=10, approximate=True)
        with t1.pipeline() as pipe:
            pipe.set("trader:T1:y", b"2").rpush("trader:T1:l", b"a")
            assert pipe.execute() == [True, 1]
    finally:
        t1.close()


@pytest.mark.parametrize(
    "command",
    [
        ("FLUSHALL",),
        ("FLUSHDB",),
        ("CONFIG", "GET", "*"),
        ("KEYS", "*"),
        ("SCAN", "0"),
        ("GET", "trader:T2:x"),
        ("SET", "trader:T2:x", "1"),
        ("SET", "elsewhere", "1"),
        ("ACL", "LIST"),
        ("CLIENT", "LIST"),
        ("SHUTDOWN",),
        ("EVAL", "return 1", "0"),
    ],
)
def test_least_privilege_refuses_what_a_trader_may_not_do(server, command):
    admin = server.admin()
    admin.set("trader:T2:x", b"theirs")
    t1 = server.client("T1")
    try:
        with pytest.raises(redis.exceptions.NoPermissionError):
            t1.execute_command(*command)
    finally:
        t1.close()
    assert admin.get("trader:T2:x") == b"theirs"
    admin.close()


def test_kill_loses_no_acknowledged_write_and_restart_keeps_users(tmp_path):
    with RedisServer(root=tmp_path) as server:
        server.add_trader("T1")
        client = server.client("T1")
        for i in range(200):
            client.set(f"trader:T1:k{i}", str(i))
        client.close()
        pid = server.pid
        server.kill()
        server.start()
        assert server.pid != pid
        client = server.client("T1")
        try:
            assert [client.get(f"trader:T1:k{i}") for i in range(200)] == [
                str(i).encode() for i in range(200)
            ]
        finally:
            client.close()


def test_a_stopped_server_stalls_clients_until_continued(server):
    client = server.client("T1", socket_timeout=0.3)
    try:
        client.set("trader:T1:before", b"1")
        server.stop()
        try:
            with pytest.raises(redis.TimeoutError):
                client.get("trader:T1:before")
        finally:
            server.cont()
        client.close()
        client = server.client("T1", socket_timeout=5)
        assert client.get("trader:T1:before") == b"1"
    finally:
        client.close()


def test_controls_refuse_a_server_that_is_not_running(tmp_path):
    server = RedisServer(root=tmp_path)
    with pytest.raises(RuntimeError, match="not started"):
        server.pid  # noqa: B018
    with pytest.raises(RuntimeError, match="not running"):
        server.stop()
    server.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
    finally:
        server.close()
