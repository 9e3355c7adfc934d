"""Volume: the tier the total falls in prices every unit (per unit, plus its flat amount)."""

from dataclasses import dataclass
from typing import Any, ClassVar

from plans.charge_models.base import ChargeProperties, PropertyReader
from plans.charge_models.graduated import AmountTier, read_amount_tiers


@dataclass(frozen=True, kw_only=True)
class VolumeProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset({"volume_ranges"})

    volume_ranges: tuple[AmountTier, ...]

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        return {"volume_ranges": read_amount_tiers(reader, "volume_ranges")}

    def model_json(self) -> dict[str, Any]:
        return {"volume_ranges": [tier.to_json() for tier in self.volume_ranges]}
