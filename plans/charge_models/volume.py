"""Volume: the tier the total falls in prices every unit (per unit, plus its flat amount).

0 units fall in the first tier and cost its flat amount (as Lago does since getlago/lago-api#5760).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import ChargeProperties, PropertyReader, billable_units, exact
from plans.charge_models.graduated import AmountTier, read_amount_tiers
from plans.charge_models.ranges import holding_tier_index
from plans.charge_models.usage import ChargeUsage


@dataclass(frozen=True, kw_only=True)
class VolumeProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"volume_ranges"})

    volume_ranges: tuple[AmountTier, ...]

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        return {"volume_ranges": read_amount_tiers(reader, "volume_ranges")}

    def model_json(self) -> dict[str, Any]:
        return {"volume_ranges": [tier.to_json() for tier in self.volume_ranges]}

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        units = billable_units(usage.units)
        tier = self.volume_ranges[holding_tier_index([tier.bounds for tier in self.volume_ranges], units)]
        return units * tier.per_unit_amount + tier.flat_amount
