"""Graduated: each tier prices the units that fall in it (per unit, plus a flat amount once the tier is reached).

The first tier is always reached, so its flat amount is billed even for 0 units (as Lago does since
getlago/lago-api#5760); see ranges.py for which units fall in which tier.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import (
    ZERO,
    ChargeProperties,
    PropertyReader,
    billable_units,
    bound_to_json,
    canonical_decimal,
    exact,
)
from plans.charge_models.ranges import Bounds, read_ranges, units_per_tier
from plans.charge_models.usage import ChargeUsage

AMOUNT_FIELDS = {"per_unit_amount": {"code": "invalid_amount"}, "flat_amount": {"code": "invalid_amount"}}


@dataclass(frozen=True)
class AmountTier:
    """A range of units priced per unit plus a flat amount (shared by graduated and volume)."""

    bounds: Bounds
    per_unit_amount: Decimal
    flat_amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "from_value": bound_to_json(self.bounds.from_value),
            "to_value": bound_to_json(self.bounds.to_value),
            "per_unit_amount": canonical_decimal(self.per_unit_amount),
            "flat_amount": canonical_decimal(self.flat_amount),
        }


def read_amount_tiers(reader: PropertyReader, key: str) -> tuple[AmountTier, ...] | None:
    parsed = read_ranges(reader, key, item_fields=AMOUNT_FIELDS)
    return None if parsed is None else tuple(AmountTier(**item) for item in parsed)


@dataclass(frozen=True, kw_only=True)
class GraduatedProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"graduated_ranges"})

    graduated_ranges: tuple[AmountTier, ...]

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        return {"graduated_ranges": read_amount_tiers(reader, "graduated_ranges")}

    def model_json(self) -> dict[str, Any]:
        return {"graduated_ranges": [tier.to_json() for tier in self.graduated_ranges]}

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        tiers = self.graduated_ranges
        reached = units_per_tier([tier.bounds for tier in tiers], billable_units(usage.units))
        # `reached` ends with the last tier the units reach: the tiers beyond it cost nothing.
        costs = (units * tier.per_unit_amount + tier.flat_amount for tier, units in zip(tiers, reached, strict=False))
        return sum(costs, ZERO)
