"""Module-level constants of common currencies (``from core.model.currencies import USD``)."""

from core.model.currency import Currency

AUD = Currency.from_str("AUD")
BTC = Currency.from_str("BTC")
CAD = Currency.from_str("CAD")
CHF = Currency.from_str("CHF")
ETH = Currency.from_str("ETH")
EUR = Currency.from_str("EUR")
GBP = Currency.from_str("GBP")
JPY = Currency.from_str("JPY")
NZD = Currency.from_str("NZD")
USD = Currency.from_str("USD")
USDC = Currency.from_str("USDC")
USDT = Currency.from_str("USDT")

__all__ = ["AUD", "BTC", "CAD", "CHF", "ETH", "EUR", "GBP", "JPY", "NZD", "USD", "USDC", "USDT"]
