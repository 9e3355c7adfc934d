"""Charge models: strict validation of a charge's `properties` into frozen dataclasses, one module per model.

`parse_charge_properties` gives the typed properties (what pricing works from); `validate_charge_properties` gives
their canonical JSON (what is stored and rendered). Pure functions: no database.
"""

from typing import Any

from billing.errors import ValidationFailed
from plans.charge_models.base import ChargeProperties
from plans.charge_models.graduated import GraduatedProperties
from plans.charge_models.graduated_percentage import GraduatedPercentageProperties
from plans.charge_models.package import PackageProperties
from plans.charge_models.percentage import PercentageProperties
from plans.charge_models.standard import StandardProperties
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


__all__ = [
    "CHARGE_MODELS",
    "ChargeProperties",
    "GraduatedPercentageProperties",
    "GraduatedProperties",
    "PackageProperties",
    "PercentageProperties",
    "StandardProperties",
    "VolumeProperties",
    "parse_charge_properties",
    "validate_charge_properties",
]
