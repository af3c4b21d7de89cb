"""node.config: BacktestRunConfig loading, errors located by file and field path, id, redaction."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import msgspec
import pytest

from core.errors import ConfigError
from node.config import (
    BacktestDataConfig,
    BacktestRunConfig,
    BacktestVenueConfig,
    NodeConfig,
    config_from_dict,
    config_to_dict,
    load_config,
    parse_time_ns,
)

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"

TOML = textwrap.dedent(
    f"""
    name = "ema"
    chunk_size = 1000
    start = "2024-01-02T00:00:00Z"

    [engine]
    trader_id = "BACKTESTER-001"
    log_level = "ERROR"

    [[venues]]
    name = "SIM"
    oms_type = "NETTING"
    account_type = "MARGIN"
    starting_balances = ["1000000 USD"]
    base_currency = "USD"

    [[data]]
    catalog_path = "catalog"
    data_cls = "Bar"
    bar_types = ["{BAR_TYPE}"]

    [[strategies]]
    strategy_path = "configs.strategies.ema_cross:EMACross"
    config = {{ instrument_id = "EUR/USD.SIM", bar_type = "{BAR_TYPE}", fast_ema_period = 5 }}
    """
)


def _dict() -> dict:
    import tomllib

    return tomllib.loads(TOML)


def _write(tmp_path, text: str, name: str = "ema.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_config_toml_builds_every_part(tmp_path):
    config = load_config(_write(tmp_path, TOML))
    assert isinstance(config, BacktestRunConfig)
    assert config.venues[0].oms_type == "NETTING"
    assert config.data[0].identifiers == [BAR_TYPE]
    assert config.chunk_size == 1000
    assert config.start_ns == 1_704_153_600_000_000_000
    assert config.engine.log_level == "ERROR"
    strategy = config.strategies[0].create()
    assert type(strategy).__name__ == "EMACross"
    assert strategy.config.fast_ema_period == 5


def test_load_config_yaml_and_json_give_the_same_id(tmp_path):
    import yaml

    toml_config = load_config(_write(tmp_path, TOML))
    yaml_config = load_config(_write(tmp_path, yaml.safe_dump(_dict()), "ema.yaml"))
    json_config = load_config(_write(tmp_path, json.dumps(_dict()), "ema.json"))
    assert toml_config == yaml_config == json_config
    assert toml_config.id == yaml_config.id == json_config.id
    assert len(toml_config.id) == 64


def test_config_id_includes_defaults_and_changes_with_any_field():
    base = config_from_dict(_dict())
    explicit = _dict()
    explicit["venues"][0]["book_type"] = "L1_MBP"  # the default, said out loud
    assert config_from_dict(explicit).id == base.id
    changed = _dict()
    changed["strategies"][0]["config"]["fast_ema_period"] = 6
    assert config_from_dict(changed).id != base.id


def test_config_id_is_equal_across_processes_with_other_hash_seeds():
    code = (
        "import tomllib,sys; from node.config import config_from_dict; "
        f"print(config_from_dict(tomllib.loads({TOML!r})).id)"
    )
    ids = set()
    for seed in ("0", "1", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": "."},
        )
        ids.add(out.stdout.strip())
    assert ids == {config_from_dict(_dict()).id}


def test_config_round_trips_through_json_as_plain_data():
    config = config_from_dict(_dict())
    wire = msgspec.json.encode(config_to_dict(config))
    assert config_from_dict(msgspec.json.decode(wire)) == config


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["venues"][0].update(oms_type="NET"),
            'ema.json: venues[0].oms_type: expected one of NETTING, HEDGING, got "NET"',
        ),
        (
            lambda d: d["venues"][0].update(starting_balances=["lots USD"]),
            "ema.json: venues[0].starting_balances[0]: expected money such as '1000000 USD', "
            "got 'lots USD'",
        ),
        (
            lambda d: d.update(chunk_size="big"),
            'ema.json: chunk_size: expected int, got "big"',
        ),
        (
            lambda d: d.update(chunk_size=0),
            "ema.json: chunk_size: expected rows per batch >= 1, got 0",
        ),
        (
            lambda d: d["venues"][0].pop("account_type"),
            "ema.json: venues[0].account_type: required field missing",
        ),
        (
            lambda d: d["venues"][0].update(leverage=3),
            "ema.json: venues[0].leverage: unknown field, expected one of name, oms_type",
        ),
        (
            lambda d: d["data"][0].update(data_cls="Candle"),
            "ema.json: data[0].data_cls: expected one of QuoteTick, TradeTick, Bar, "
            "OrderBookDelta or 'module:Class', got 'Candle'",
        ),
        (
            lambda d: d["data"][0].update(bar_types=[]),
            "ema.json: data[0].bar_types: expected at least one bar type",
        ),
        (
            lambda d: d["data"][0].update(start_time="yesterday-ish"),
            "ema.json: data[0].start_time: expected ns int or ISO 8601 time",
        ),
        (
            lambda d: d["strategies"][0].update(strategy_path="configs.strategies.nope:X"),
            "ema.json: strategies[0]: cannot import module 'configs.strategies.nope' of "
            "'configs.strategies.nope:X'",
        ),
        (
            lambda d: d["strategies"][0].update(strategy_path="configs.strategies.ema_cross:EMA"),
            "ema.json: strategies[0]: module 'configs.strategies.ema_cross' has no class 'EMA'",
        ),
        (
            lambda d: d["strategies"][0].update(strategy_path="EMACross"),
            "ema.json: strategies[0]: expected a path 'package.module:Name', got 'EMACross'",
        ),
        (
            lambda d: d["strategies"][0]["config"].update(fast_ema_period="x"),
            'ema.json: strategies[0].config.fast_ema_period: expected int, got "x" '
            "(in EMACrossConfig)",
        ),
        (
            lambda d: d["strategies"][0]["config"].pop("bar_type"),
            "ema.json: strategies[0].config.bar_type: required field missing (in EMACrossConfig)",
        ),
        (
            lambda d: d["engine"].update(log_level="LOUD"),
            "ema.json: engine: BacktestEngineConfig.log_level: invalid value 'LOUD'",
        ),
        (
            lambda d: d.update(venues=[d["venues"][0], d["venues"][0]]),
            "ema.json: venues[1].name: expected a unique venue, got 'SIM' twice",
        ),
    ],
)
def test_bad_config_fails_at_load_with_file_path_value_and_expectation(tmp_path, edit, message):
    data = _dict()
    edit(data)
    path = tmp_path / "ema.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(str(tmp_path) + "/")
    assert message in str(info.value)


def test_load_config_missing_file_unknown_suffix_and_parse_error(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"unknown config format '\.ini', expected \.toml"):
        load_config(_write(tmp_path, "x=1", "a.ini"))
    with pytest.raises(ConfigError, match=r"bad\.toml: cannot parse TOML: .*line 1"):
        load_config(_write(tmp_path, "name = = 1", "bad.toml"))


class _VenueCredentials(NodeConfig, frozen=True, kw_only=True):
    api_key: str
    api_secret: str | None = None
    options: dict = {}
    hosts: list[str] = []


def test_secrets_are_redacted_in_repr_at_any_depth():
    creds = _VenueCredentials(
        api_key="k3y",
        api_secret="s3cret",
        options={"password": "pa55", "nested": {"token": "t0k"}, "region": "eu"},
        hosts=["a.example"],
    )
    shown = repr(creds)
    for secret in ("k3y", "s3cret", "pa55", "t0k"):
        assert secret not in shown
    assert "api_key='***'" in shown and "'token': '***'" in shown
    assert "'region': 'eu'" in shown and "a.example" in shown
    assert "api_secret=None" in repr(_VenueCredentials(api_key="x"))
    assert "1000000 USD" in repr(config_from_dict(_dict()))


def test_venue_and_data_configs_can_be_built_in_python():
    venue = BacktestVenueConfig(
        name="SIM", oms_type="HEDGING", account_type="CASH", starting_balances=["10 BTC"]
    )
    assert venue.fee_model.kind == "maker_taker"
    data = BacktestDataConfig(catalog_path="c", data_cls="QuoteTick", instrument_ids=["A.B", "A.B"])
    assert data.identifiers == ["A.B"]
    with pytest.raises(ConfigError, match=r"instrument_ids: expected at least one instrument"):
        BacktestDataConfig(catalog_path="c", data_cls="QuoteTick")


def test_parse_time_ns_accepts_ns_iso_and_offsets():
    assert parse_time_ns(None, "t") is None
    assert parse_time_ns(5, "t") == 5
    assert parse_time_ns("1970-01-01T00:00:01Z", "t") == 1_000_000_000
    assert parse_time_ns("1970-01-01T01:00:01+01:00", "t") == 1_000_000_000
    assert parse_time_ns("1970-01-01 00:00:01", "t") == 1_000_000_000  # naive means UTC
    with pytest.raises(ConfigError, match=r"t: expected ns >= 0, got -1"):
        parse_time_ns(-1, "t")


# -- issue 11 point 9: edge cases of the file and its values, each one located line ---------------

EDGE_CASES = [
    (
        "non-utf8",
        lambda path: path.write_bytes(TOML.replace('"ema"', '"caf\xe9"').encode("latin-1")),
        "line 2: byte 0xe9 is not UTF-8, expected a UTF-8 text file",
    ),
    (
        "int-too-large",
        lambda path: path.write_text(TOML.replace("chunk_size = 1000", "chunk_size = " + "9" * 30)),
        "chunk_size: expected an integer from -9223372036854775808 to 9223372036854775807, got "
        + "9" * 30,
    ),
    (
        "float-quantity",
        lambda path: path.write_text(TOML.replace("fast_ema_period = 5", "trade_size = 1e300")),
        "strategies[0].config.trade_size: expected a decimal from -9223372036 to 9223372036 "
        "(the fixed-point range), got 1e+300 (in EMACrossConfig)",
    ),
    (
        "negative-trade-size",
        lambda path: path.write_text(TOML.replace("fast_ema_period = 5", "trade_size = -5")),
        "strategies[0].config.trade_size: expected units > 0, got -5 (in EMACrossConfig)",
    ),
    (
        "negative-balance",
        lambda path: path.write_text(TOML.replace('["1000000 USD"]', '["-1000000 USD"]')),
        "venues[0].starting_balances[0]: expected an amount >= 0, got '-1000000 USD'",
    ),
    (
        "directory",
        lambda path: path.mkdir(),
        "is a directory, expected a config file",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"), [c[1:] for c in EDGE_CASES], ids=[c[0] for c in EDGE_CASES]
)
def test_config_edge_case_is_one_located_line_at_load(tmp_path, make, message):
    path = tmp_path / "ema.toml"
    make(path)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: {message}"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [c[1:] for c in EDGE_CASES if c[0] in ("non-utf8", "float-quantity", "directory")],
    ids=["non-utf8", "float-quantity", "directory"],
)
def test_config_edge_case_cli_exits_1_with_one_line_and_no_traceback(tmp_path, make, message):
    path = tmp_path / "ema.toml"
    make(path)
    done = subprocess.run(
        [sys.executable, "-m", "node.cli", "backtest", str(path), "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == f"flotilla backtest: error: {path}: {message}\n"
    assert "Traceback" not in done.stdout


def test_config_with_a_utf8_byte_order_mark_loads(tmp_path):
    path = tmp_path / "ema.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TOML.encode())
    assert load_config(path).name == "ema"


# -- issue 11 point 1: the error's location is built by walking the type, not msgspec's text ------


class _Leg(NodeConfig, frozen=True, kw_only=True):
    size: int
    api_key: str = ""


class _Book(NodeConfig, frozen=True, kw_only=True):
    legs: list[_Leg]
    by_name: dict[str, _Leg] = {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"legs": [{"size": 1}, {"size": "x"}]}, 'legs[1].size: expected int, got "x"'),
        ({"legs": [{"size": 1}], "by_name": {"a": {}}}, "by_name.a.size: required field missing"),
        ({"legs": "x"}, 'legs: expected an array, got "x"'),
        ({"legs": [7]}, "legs[0]: expected a table (_Leg), got 7"),
        (
            {"legs": [{"size": 1, "colour": 2}]},
            "legs[0].colour: unknown field, expected one of size, api_key",
        ),
        # a type error on a secret field names the field and withholds the value
        (
            {"legs": [{"size": 1, "api_key": 12345678}]},
            "legs[0].api_key: expected str, got a value (withheld: secret field)",
        ),
    ],
)
def test_config_error_path_and_message_are_built_from_the_annotation(data, message):
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, _Book, source="book.toml")
    assert str(info.value) == f"book.toml: {message}"
    assert "12345678" not in str(info.value)
    assert info.value.__cause__ is None  # no msgspec text rides along in the chain
