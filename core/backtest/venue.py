"""`VenueSpec`: the typed settings of one simulated venue (what `BacktestEngine.add_venue` takes).

The node-level `node.config.BacktestVenueConfig` (strings, as in a TOML file) is checked at load
and turned into a `VenueSpec` by its ``to_spec()``; the engine and the exchange read the spec's
fields, so every option has a name and a type instead of a key in a dict.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from core.backtest.models import FeeModel, FillModel, LatencyModel, MakerTakerFeeModel
from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import AccountType, BookType, OmsType
from core.model.identifiers import InstrumentId, Venue
from core.model.objects import Money

__all__ = ["VenueSpec"]


class VenueSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One simulated venue and its account.

    Parameters
    ----------
    venue : Venue
    oms_type : OmsType
    account_type : AccountType
    starting_balances : list of Money
    base_currency : Currency, optional
        A single-currency account's currency; None for a multi-currency account.
    default_leverage : Decimal, default 1
    leverages : dict, optional
        `InstrumentId` to leverage (margin accounts).
    fill_model, fee_model, latency_model : optional
        The venue's models (default: always fill, maker/taker fees, no latency).
    book_type : BookType, default L1_MBP
    bar_execution, bar_adaptive_high_low_ordering, reject_stop_orders, fill_at_next_bar_open
        The execution options of EXECUTION-RULES.md.
    fee_rounding : {"exact", "float"}, optional
        How the fee model rounds rate commissions; None keeps the model's own.
    """

    venue: Venue
    oms_type: OmsType
    account_type: AccountType
    starting_balances: list[Money]
    base_currency: Currency | None = None
    default_leverage: Decimal = Decimal(1)
    leverages: dict[InstrumentId, Decimal | int] = {}
    fill_model: FillModel | None = None
    fee_model: FeeModel | None = None
    latency_model: LatencyModel | None = None
    book_type: BookType = BookType.L1_MBP
    bar_execution: bool = True
    bar_adaptive_high_low_ordering: bool = False
    reject_stop_orders: bool = True
    fill_at_next_bar_open: bool = False
    fee_rounding: Literal["exact", "float"] | None = None

    def resolved(self) -> VenueSpec:
        """Return the spec checked, with enums, ids and decimals normalised and every model set
        (the fee model already rounding as `fee_rounding` says).

        Raises
        ------
        ValidationError
            If a balance is not Money or not in the base currency, the book type is not
            L1_MBP, or a model is of the wrong type; the message names the venue and field.
        """
        venue = Venue(self.venue) if isinstance(self.venue, str) else self.venue
        if not isinstance(venue, Venue):
            raise ValidationError(f"add_venue: venue {self.venue!r} invalid, expected a Venue")
        if BookType(self.book_type) != BookType.L1_MBP:
            raise ValidationError(
                f"add_venue {venue}: book_type {BookType(self.book_type).name} is not supported "
                f"yet, expected L1_MBP"
            )
        balances = self.starting_balances
        if not balances or not all(isinstance(m, Money) for m in balances):
            raise ValidationError(
                f"add_venue {venue}: starting_balances {balances!r} invalid, expected a "
                f"non-empty list of Money"
            )
        if self.base_currency is not None:
            # A single-currency account holds only its base currency (NautilusTrader refuses
            # the first fill of such a venue with "single-currency account has multiple
            # currency update"); refuse it here, before the run.
            for balance in balances:
                if balance.currency != self.base_currency:
                    raise ValidationError(
                        f"add_venue {venue}: starting balance {balance} is not in base_currency "
                        f"{self.base_currency}; expected balances in {self.base_currency} (a "
                        f"single-currency account), or base_currency=None for a multi-currency "
                        f"account"
                    )
        fee_model = self.fee_model or MakerTakerFeeModel()
        if not isinstance(fee_model, FeeModel):
            raise ValidationError(
                f"add_venue {venue}: fee_model {fee_model!r} invalid, expected a FeeModel"
            )
        if self.fee_rounding is not None:
            fee_model = fee_model.with_rounding(self.fee_rounding)
        for name, cls in (("fill_model", FillModel), ("latency_model", LatencyModel)):
            model = getattr(self, name)
            if model is not None and not isinstance(model, cls):
                raise ValidationError(
                    f"add_venue {venue}: {name} {model!r} invalid, expected a {cls.__name__}"
                )
        return msgspec.structs.replace(
            self,
            venue=venue,
            oms_type=OmsType(self.oms_type),
            account_type=AccountType(self.account_type),
            starting_balances=list(balances),
            default_leverage=Decimal(self.default_leverage),
            # The values are kept as given: the account converts them (`set_leverage`).
            leverages={
                InstrumentId.from_str(k) if isinstance(k, str) else k: v
                for k, v in (self.leverages or {}).items()
            },
            fill_model=self.fill_model or FillModel(),
            fee_model=fee_model,
            latency_model=self.latency_model or LatencyModel(),
            book_type=BookType(self.book_type),
        )
