"""Identifier hashes are the same in every process, whatever PYTHONHASHSEED is."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
from core.model.currency import Currency
from core.model.identifiers import ClientOrderId, InstrumentId, TraderId
from core.model.uuid import UUID4

values = {
    "InstrumentId": InstrumentId.from_str("BTC-USD.PERP.BINANCE"),
    "TraderId": TraderId("TRADER-001"),
    "ClientOrderId": ClientOrderId("O-20240101-000000-001-001-1"),
    "Currency": Currency.from_str("USD"),
    "UUID4": UUID4("2d89666b-1a1e-4a75-b193-4eb3b454c757"),
}
hashes = {name: hash(value) for name, value in values.items()}
hashes["str"] = hash("TRADER-001")  # the salted builtin, to prove the seeds differ
print(json.dumps(hashes))
"""


def _hashes(seed):
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_identifier_hashes_same_across_hash_seeds():
    first = _hashes("0")
    second = _hashes("12345")
    assert first.pop("str") != second.pop("str")
    assert first == second
    assert first == {
        "InstrumentId": _fnv1a("BTC-USD.PERP.BINANCE"),
        "TraderId": _fnv1a("TRADER-001"),
        "ClientOrderId": _fnv1a("O-20240101-000000-001-001-1"),
        "Currency": _fnv1a("USD"),
        "UUID4": _uuid_hash("2d89666b-1a1e-4a75-b193-4eb3b454c757"),
    }


def _fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h >> 1


def _uuid_hash(text):
    digits = text.replace("-", "")
    hi, lo = int(digits[:16], 16), int(digits[16:], 16)
    return (hi ^ ((lo * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)) >> 1
