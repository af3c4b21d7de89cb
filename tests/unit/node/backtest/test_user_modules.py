"""`user_modules` and `result_id_of`: which code a backtest's result id is keyed on."""

from __future__ import annotations

import hashlib
import sys
import textwrap

import pytest

from node.backtest.node import result_id_of, user_modules
from node.config import config_from_dict

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"

FILES = {
    "userpkg/__init__.py": "",
    "userpkg/signals.py": "def signal(x):\n    return x > 0\n",
    "userpkg/util.py": "import json\nimport numpy\n\nTHRESHOLD = 1\n",
    "userpkg/strat.py": """
        from __future__ import annotations

        import os

        from configs.strategies.ema_cross import EMACross, EMACrossConfig
        from core.model import OrderSide  # the flotilla package: not user code

        from . import signals
        from .util import THRESHOLD


        class Strat(EMACross):
            def __init__(self, config: EMACrossConfig) -> None:
                super().__init__(config)
        """,
    "useractor.py": """
        from core.trading.actor import Actor
        from core.trading.config import ActorConfig


        class WatchConfig(ActorConfig, frozen=True):
            pass


        class Watch(Actor):
            def __init__(self, config: WatchConfig) -> None:
                super().__init__(config)
        """,
    "userhandlers.py": "def price(payload, arrays):\n    return payload, []\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [
        m for m in sys.modules if m.split(".")[0] in ("userpkg", "useractor", "userhandlers")
    ]:
        del sys.modules[name]


def _config(tmp_path) -> dict:
    return {
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
                "strategy_path": "userpkg.strat:Strat",
                "config": {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE},
            }
        ],
        "actors": [{"actor_path": "useractor:Watch", "config_path": "useractor:WatchConfig"}],
        "compute": {"handlers": {"pricer": "userhandlers:price"}},
    }


def test_user_modules_are_the_named_ones_and_what_they_import_outside_the_package(project):
    config = config_from_dict(_config(project))
    modules = user_modules(config)
    assert [m["module"] for m in modules] == [
        "configs",
        "configs.strategies",
        "configs.strategies.ema_cross",
        "useractor",
        "userhandlers",
        "userpkg",
        "userpkg.signals",
        "userpkg.strat",
        "userpkg.util",
    ]
    by_name = {m["module"]: m for m in modules}
    for name in ("userpkg.strat", "userpkg.util", "useractor", "userhandlers"):
        path = project / (name.replace(".", "/") + ".py")
        assert by_name[name]["path"] == str(path.resolve())
        assert by_name[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_result_id_changes_with_any_user_module_and_not_with_a_library(project):
    config = config_from_dict(_config(project))
    before = result_id_of(config, user_modules(config))
    assert result_id_of(config, user_modules(config)) == before
    (project / "userpkg/signals.py").write_text("def signal(x):\n    return x >= 0\n")
    after = result_id_of(config, user_modules(config))
    assert after != before
    assert after != config.id


def test_user_modules_refuses_a_named_module_that_does_not_import(project):
    from core.errors import ConfigError

    config = config_from_dict(_config(project))
    del sys.modules["userhandlers"]
    (project / "userhandlers.py").unlink()
    with pytest.raises(ConfigError, match=r"cannot import user module 'userhandlers'"):
        user_modules(config)
