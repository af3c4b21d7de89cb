"""Compute configs: the cap relations, the worker token's sources and bounds."""

import pytest

from cluster.compute.config import BrokerConfig, WorkerConfig, resolve_token
from core.errors import ConfigError

TOKEN = "0123456789abcdef0123"


def test_config_broker_defaults_are_the_documented_caps():
    config = BrokerConfig()
    assert (config.max_queue, config.max_queue_bytes) == (1000, 64 * 1024 * 1024)
    assert (config.max_total_queue, config.max_total_queue_bytes) == (10_000, 256 * 1024 * 1024)
    assert config.max_message_bytes <= config.max_queue_bytes
    assert config.queue_timeout_ms == 60_000


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"max_queue": 11, "max_total_queue": 10}, "max_queue: 11 exceeds max_total_queue=10"),
        (
            {"max_queue_bytes": 4096},
            "max_message_bytes: 67108864 exceeds max_queue_bytes=4096",
        ),
        (
            {"max_queue_bytes": 2048, "max_message_bytes": 1024, "max_total_queue_bytes": 1024},
            "max_queue_bytes: 2048 exceeds max_total_queue_bytes=1024",
        ),
    ],
)
def test_config_broker_caps_out_of_order_raise_naming_both_fields(fields, match):
    with pytest.raises(ConfigError, match=match):
        BrokerConfig(**fields)


def test_config_token_comes_from_field_then_file_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOTILLA_COMPUTE_TOKEN", "from-the-environment-0123")
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert resolve_token("field-token-0123456789", str(path), "W") == b"field-token-0123456789"
    assert resolve_token(None, str(path), "W") == TOKEN.encode()
    assert resolve_token(None, None, "W") == b"from-the-environment-0123"
    monkeypatch.delenv("FLOTILLA_COMPUTE_TOKEN")
    assert resolve_token(None, None, "W") is None


def test_config_token_too_short_or_unreadable_raises(tmp_path, monkeypatch):
    monkeypatch.delenv("FLOTILLA_COMPUTE_TOKEN", raising=False)
    with pytest.raises(
        ConfigError, match=r"W.token: worker token of 5 characters, expected at least 16"
    ):
        resolve_token("short", None, "W")
    with pytest.raises(ConfigError, match=r"W.token_file '.*missing': cannot read the token file"):
        resolve_token(None, str(tmp_path / "missing"), "W")


def test_config_token_is_redacted_in_repr():
    config = WorkerConfig(service="s", handler="m:f", token=TOKEN)
    assert TOKEN not in repr(config) and "token='***'" in repr(config)
    assert TOKEN not in repr(BrokerConfig(worker_token=TOKEN))
