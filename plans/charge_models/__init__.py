"""Charge models: strict validation of a charge's `properties` into frozen dataclasses, one module per model.

`parse_charge_properties` gives the typed properties (what pricing works from); `validate_charge_properties` gives
their canonical JSON (what is stored and rendered); `charge_amount` prices a window's usage with them.
Pure functions: no database.
"""

from decimal import Decimal
from typing import Any

from billing.errors import ValidationFailed
from plans.charge_models.base import ChargeProperties
from plans.charge_models.graduated import GraduatedProperties
from plans.charge_models.graduated_percentage import GraduatedPercentageProperties
from plans.charge_models.package import PackageProperties
from plans.charge_models.percentage import PercentageProperties
from plans.charge_models.standard import StandardProperties
from plans.charge_models.usage import ChargeUsage
from plans.charge_models.volume import VolumeProperties

CHARGE_MODELS: dict[str, type[ChargeProperties]] = {
    "standard": StandardProperties,
    "graduated": GraduatedProperties,
    "graduated_percentage": GraduatedPercentageProperties,
    "volume": VolumeProperties,
    "package": PackageProperties,
    "percentage": PercentageProperties,
}


def parse_charge_properties(charge_model: str, properties: Any, *, prefix: str = "properties") -> ChargeProperties:
    """The typed properties of `charge_model`, or ValidationFailed keyed "<prefix>.<property>"."""
    try:
        properties_class = CHARGE_MODELS[charge_model]
    except (KeyError, TypeError):
        raise ValidationFailed.single("charge_model", "value_is_invalid") from None
    return properties_class.parse(properties, prefix=prefix)


def validate_charge_properties(charge_model: str, properties: Any, *, prefix: str = "properties") -> dict[str, Any]:
    """The canonical JSON of valid properties (amounts as decimal strings), or ValidationFailed per field."""
    return parse_charge_properties(charge_model, properties, prefix=prefix).to_json()


def charge_amount(properties: ChargeProperties, usage: ChargeUsage) -> Decimal:
    """The precise amount of `usage` under `properties`, in major units: not rounded (the fee rounds it once with
    billing.money.round_to_minor_unit) and never negative."""
    return properties.amount_for(usage)


__all__ = [
    "CHARGE_MODELS",
    "ChargeProperties",
    "ChargeUsage",
    "GraduatedPercentageProperties",
    "GraduatedProperties",
    "PackageProperties",
    "PercentageProperties",
    "StandardProperties",
    "VolumeProperties",
    "charge_amount",
    "parse_charge_properties",
    "validate_charge_properties",
]
