"""Percentage: a rate (in percent) of the aggregated amount, with optional fixed fee, free units and bounds."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import HUNDRED, ChargeProperties, PropertyReader, canonical_decimal, optional_decimal


@dataclass(frozen=True, kw_only=True)
class PercentageProperties(ChargeProperties):
    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset(
        {
            "rate",
            "fixed_amount",
            "free_units_per_events",
            "free_units_per_total_aggregation",
            "per_transaction_min_amount",
            "per_transaction_max_amount",
        }
    )

    rate: Decimal
    fixed_amount: Decimal | None = None
    free_units_per_events: int | None = None
    free_units_per_total_aggregation: Decimal | None = None
    per_transaction_min_amount: Decimal | None = None
    per_transaction_max_amount: Decimal | None = None

    @classmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        fields = {
            "rate": reader.decimal_string("rate", code="invalid_rate", maximum=HUNDRED),
            "fixed_amount": reader.decimal_string("fixed_amount", code="invalid_fixed_amount", required=False),
            "free_units_per_events": reader.integer(
                "free_units_per_events", code="invalid_free_units_per_events", minimum=0, required=False
            ),
            "free_units_per_total_aggregation": reader.decimal_string(
                "free_units_per_total_aggregation", code="invalid_free_units_per_total_aggregation", required=False
            ),
            "per_transaction_min_amount": reader.decimal_string(
                "per_transaction_min_amount", code="invalid_per_transaction_min_amount", required=False
            ),
            "per_transaction_max_amount": reader.decimal_string(
                "per_transaction_max_amount", code="invalid_per_transaction_max_amount", required=False
            ),
        }
        minimum, maximum = fields["per_transaction_min_amount"], fields["per_transaction_max_amount"]
        if minimum is not None and maximum is not None and minimum > maximum:
            reader.add(reader.path("per_transaction_max_amount"), "invalid_per_transaction_max_amount")
        return fields

    def model_json(self) -> dict[str, Any]:
        return {
            "rate": canonical_decimal(self.rate),
            "fixed_amount": optional_decimal(self.fixed_amount),
            "free_units_per_events": self.free_units_per_events,
            "free_units_per_total_aggregation": optional_decimal(self.free_units_per_total_aggregation),
            "per_transaction_min_amount": optional_decimal(self.per_transaction_min_amount),
            "per_transaction_max_amount": optional_decimal(self.per_transaction_max_amount),
        }
