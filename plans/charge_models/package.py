"""Package: a price per started package of `package_size` units, after `free_units`."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import ZERO, ChargeProperties, PropertyReader, billable_units, canonical_decimal, exact
from plans.charge_models.usage import ChargeUsage


@dataclass(frozen=True, kw_only=True)
class PackageProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"amount", "package_size", "free_units"})

    amount: Decimal
    package_size: int
    free_units: int = 0

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        return {
            "amount": reader.decimal_string("amount", code="invalid_amount"),
            "package_size": reader.integer("package_size", code="invalid_package_size", minimum=1),
            "free_units": reader.integer("free_units", code="invalid_free_units", minimum=0, required=False) or 0,
        }

    def model_json(self) -> dict[str, Any]:
        return {
            "amount": canonical_decimal(self.amount),
            "package_size": self.package_size,
            "free_units": self.free_units,
        }

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        paid_units = billable_units(usage.units) - self.free_units
        if paid_units <= 0:
            return ZERO
        packages, remainder = divmod(paid_units, self.package_size)
        return (packages + 1 if remainder else packages) * self.amount
