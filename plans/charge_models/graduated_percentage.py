"""Graduated percentage: each tier takes its rate (in percent) of the amount that falls in it, plus a flat amount.

Tiers are reached as in graduated: the first always (its flat amount is billed even for 0 units), a later one by
units above the previous tier's to_value.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import (
    HUNDRED,
    ZERO,
    ChargeProperties,
    PropertyReader,
    billable_units,
    bound_to_json,
    canonical_decimal,
    exact,
    percent_of,
)
from plans.charge_models.ranges import Bounds, read_ranges, units_per_tier
from plans.charge_models.usage import ChargeUsage

RATE_FIELDS = {"rate": {"code": "invalid_rate", "maximum": HUNDRED}, "flat_amount": {"code": "invalid_amount"}}


@dataclass(frozen=True)
class RateTier:
    bounds: Bounds
    rate: Decimal
    flat_amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "from_value": bound_to_json(self.bounds.from_value),
            "to_value": bound_to_json(self.bounds.to_value),
            "rate": canonical_decimal(self.rate),
            "flat_amount": canonical_decimal(self.flat_amount),
        }


@dataclass(frozen=True, kw_only=True)
class GraduatedPercentageProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"graduated_percentage_ranges"})

    graduated_percentage_ranges: tuple[RateTier, ...]

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        parsed = read_ranges(reader, "graduated_percentage_ranges", item_fields=RATE_FIELDS)
        return {"graduated_percentage_ranges": None if parsed is None else tuple(RateTier(**item) for item in parsed)}

    def model_json(self) -> dict[str, Any]:
        return {"graduated_percentage_ranges": [tier.to_json() for tier in self.graduated_percentage_ranges]}

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        tiers = self.graduated_percentage_ranges
        reached = units_per_tier([tier.bounds for tier in tiers], billable_units(usage.units))
        # `reached` ends with the last tier the units reach: the tiers beyond it cost nothing.
        costs = (percent_of(units, tier.rate) + tier.flat_amount for tier, units in zip(tiers, reached, strict=False))
        return sum(costs, ZERO)
