"""Standard: one unit price for every unit."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import ChargeProperties, PropertyReader, billable_units, canonical_decimal, exact
from plans.charge_models.usage import ChargeUsage


@dataclass(frozen=True, kw_only=True)
class StandardProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"amount"})

    amount: Decimal

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        return {"amount": reader.decimal_string("amount", code="invalid_amount")}

    def model_json(self) -> dict[str, Any]:
        return {"amount": canonical_decimal(self.amount)}

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        return billable_units(usage.units) * self.amount
