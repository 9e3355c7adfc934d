"""Fee drafts: what rating produces before anything is stored, shared by invoices and current usage."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.money import round_to_minor_unit
from plans.models import Charge, ChargeFilter, Subscription


@dataclass(frozen=True)
class TaxLine:
    tax_id: Any
    code: str
    name: str
    rate: Decimal
    description: str
    amount: Decimal  # rounded to the minor unit


@dataclass
class FeeDraft:
    fee_type: str  # subscription | charge | commitment
    subscription: Subscription
    currency: str
    item_code: str
    item_name: str
    precise_amount: Decimal
    from_datetime: datetime
    to_datetime: datetime
    units: Decimal = Decimal(0)
    events_count: int = 0
    charge: Charge | None = None
    charge_filter: ChargeFilter | None = None
    invoice_display_name: str = ""
    charge_model: str = ""
    filter_values: dict[str, list[str]] = field(default_factory=dict)
    grouped_by: dict[str, str | None] = field(default_factory=dict)
    pay_in_advance: bool = False
    event_transaction_id: str | None = None  # the event a charge paid in advance bills
    true_up_parent: "FeeDraft | None" = None
    taxes: tuple[TaxLine, ...] = ()

    @property
    def amount(self) -> Decimal:
        """Rounded once, half-up, to the currency's minor unit."""
        return round_to_minor_unit(self.precise_amount, self.currency)

    @property
    def precise_unit_amount(self) -> Decimal:
        return self.precise_amount / self.units if self.units else Decimal(0)

    @property
    def taxes_amount(self) -> Decimal:
        return sum((tax.amount for tax in self.taxes), Decimal(0))

    @property
    def taxes_rate(self) -> Decimal:
        return sum((tax.rate for tax in self.taxes), Decimal(0))
