"""Secrets stay secret (issue 11 point 6): repr, logs, stored configs, tearsheet, type errors.

Every config struct redacts secret-named fields in ``repr`` (user subclasses included), a
results folder's ``config.json`` and ``tearsheet.html`` hold ``***``, a type error on a secret
field names the field and not the value, and results folders are owner-only (0700/0600).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from core.backtest.config import BacktestEngineConfig
from core.common.secrets import is_secret, redact
from core.errors import ConfigError
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.config import BacktestVenueConfig, config_from_dict
from node.persistence import ParquetDataCatalog
from tests.kit.run_config import ema_run_config
from tests.kit.secret_strategy import API_KEY, API_SECRET, PASSWORD, TOKEN, SecretConfig

ROOT = Path(__file__).resolve().parents[2]
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
SECRETS = (API_KEY, API_SECRET, PASSWORD, TOKEN)


def _secret_config() -> SecretConfig:
    return SecretConfig(
        instrument_id="EUR/USD.SIM",
        api_key=API_KEY,
        api_secret=API_SECRET,
        db_password=PASSWORD,
        venue={"auth": {"token": TOKEN}, "name": "SIM"},
    )


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("apiKey", True),
        ("api_secret", True),
        ("db_password", True),
        ("PASSWD", True),
        ("passphrase", True),
        ("private_key", True),
        ("bearer_token", True),
        ("aws_credentials", True),
        ("instrument_id", False),
        ("token_bucket_size", False),
        ("trade_size", False),
    ],
)
def test_secret_names(name, secret):
    assert is_secret(name) is secret


def test_user_strategy_config_repr_and_str_redact_secrets_at_any_depth():
    config = _secret_config()
    for text in (repr(config), str(config), f"{config}", repr([config])):
        for secret in SECRETS:
            assert secret not in text
    assert "api_key='***'" in repr(config)
    assert "'token': '***'" in repr(config)
    assert config.api_key == API_KEY  # the value stays usable by the strategy


def test_engine_and_node_config_reprs_redact():
    assert "instrument_id='EUR/USD.SIM'" in repr(_secret_config())
    assert repr(BacktestEngineConfig()).startswith("BacktestEngineConfig(trader_id=")
    venue = BacktestVenueConfig(
        name="SIM", oms_type="NETTING", account_type="MARGIN", starting_balances=["1 USD"]
    )
    assert repr(venue).startswith("BacktestVenueConfig(name='SIM'")


def test_redact_plain_data_keeps_unset_secrets_and_other_values():
    data = {"api_key": None, "password": "x", "list": [{"secret": 1}], "n": 2}
    assert redact(data) == {"api_key": None, "password": "***", "list": [{"secret": "***"}], "n": 2}


def test_type_error_on_a_secret_field_names_the_field_not_the_value(tmp_path):
    data = {
        "name": "s",
        "venues": [
            {
                "name": "SIM",
                "oms_type": "NETTING",
                "account_type": "MARGIN",
                "starting_balances": ["1000000 USD"],
            }
        ],
        "data": [{"catalog_path": str(tmp_path), "data_cls": "Bar", "bar_types": [BAR_TYPE]}],
        "strategies": [
            {
                "strategy_path": "tests.kit.secret_strategy:SecretStrategy",
                "config": {
                    "instrument_id": "EUR/USD.SIM",
                    "api_key": 987654321987,
                    "api_secret": API_SECRET,
                },
            }
        ],
    }
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, source="s.toml")
    message = str(info.value)
    assert "strategies[0].config.api_key: expected str, got a value (withheld" in message
    assert "987654321987" not in message and API_SECRET not in message


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(500, seed=3)))
    return path


def test_backtest_run_stores_and_logs_no_secret_and_is_owner_only(catalog_path, tmp_path):
    config = ema_run_config(
        catalog_path,
        name="secrets",
        log_level="INFO",
        strategy_path="tests.kit.secret_strategy:SecretStrategy",
        strategy_config={
            "instrument_id": "EUR/USD.SIM",
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "db_password": PASSWORD,
            "venue": {"auth": {"token": TOKEN}},
        },
    )
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(config))
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "node.cli", "backtest", str(path), "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "started with SecretConfig(" in done.stdout + done.stderr  # the log line is there
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr
    (run_dir,) = [p for p in results.iterdir() if not p.name.startswith(".")]
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["strategies"][0]["config"]["api_key"] == "***"
    assert stored["strategies"][0]["config"]["venue"]["auth"]["token"] == "***"
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert any(p.name == "tearsheet.html" for p in files)
    for file in files:
        content = file.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in content, (file.name, secret)
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
