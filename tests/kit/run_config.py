"""The run configuration most tests start from: one EUR/USD bar stream on a SIM margin venue.

`ema_run_config` returns a fresh dict (callers change it freely) in the shape of a TOML/JSON
run file, so tests that need a variation say only what differs.
"""

from __future__ import annotations

EMA_CROSS = "configs.strategies.ema_cross:EMACross"
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
INSTRUMENT_ID = "EUR/USD.SIM"


def sim_venue(**changes) -> dict:
    """The SIM venue: netting, margin, 1,000,000 USD, USD base currency."""
    venue = {
        "name": "SIM",
        "oms_type": "NETTING",
        "account_type": "MARGIN",
        "starting_balances": ["1000000 USD"],
        "base_currency": "USD",
    }
    venue.update(changes)
    return venue


def ema_run_config(
    catalog_path,
    *,
    name: str | None = "ema",
    bar_type: str = BAR_TYPE,
    strategy_path: str = EMA_CROSS,
    strategy_config: dict | None = None,
    log_level: str = "ERROR",
    **changes,
) -> dict:
    """Return a run config dict: the EMA cross (or `strategy_path`) on `bar_type` bars read
    from the catalog at `catalog_path`; `changes` replace top-level sections."""
    config = {
        "engine": {"log_level": log_level},
        "venues": [sim_venue()],
        "data": [{"catalog_path": str(catalog_path), "data_cls": "Bar", "bar_types": [bar_type]}],
        "strategies": [
            {
                "strategy_path": strategy_path,
                "config": (
                    strategy_config
                    if strategy_config is not None
                    else {"instrument_id": INSTRUMENT_ID, "bar_type": bar_type}
                ),
            }
        ],
    }
    if name is not None:
        config = {"name": name, **config}
    config.update(changes)
    return config
