"""Percentage: a rate (in percent) of the aggregated amount, with optional fixed fee, free units and bounds.

With only a rate and a free amount, the rate applies to the units above `free_units_per_total_aggregation`.
Any per-event rule (free events, a fixed fee, per-transaction bounds) prices event by event, in time order:

- A free allowance opens with the first event and closes as soon as `free_units_per_events` events have been
  freed or `free_units_per_total_aggregation` units have been freed, whichever comes first. An event the allowance
  covers is free (no fixed fee, no minimum); the event that uses up the free amount pays for its excess only.
  Negative values (refunds) are never freed and use up nothing.
- Every other event pays its rate plus the fixed amount, then clamped to the per-transaction min and max (the
  fixed amount is inside the clamp, as in Lago's per-transaction pricing).

The total is never negative.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from plans.charge_models.base import (
    HUNDRED,
    ZERO,
    ChargeProperties,
    PropertyReader,
    billable_units,
    canonical_decimal,
    exact,
    optional_decimal,
    percent_of,
)
from plans.charge_models.usage import ChargeUsage


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
        per_event_rules = (
            fields["fixed_amount"]
            or fields["free_units_per_events"]
            or fields["per_transaction_min_amount"] is not None
            or fields["per_transaction_max_amount"] is not None
        )
        if per_event_rules and reader.properties.get("pricing_group_keys"):
            # Per-event rules price each event; usage is read per event per filter, not per pricing group.
            reader.add(reader.path("pricing_group_keys"), "not_allowed_with_per_event_rules")
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

    @property
    def prices_per_event(self) -> bool:
        return bool(
            self.fixed_amount
            or self.free_units_per_events
            or self.per_transaction_min_amount is not None
            or self.per_transaction_max_amount is not None
        )

    @exact
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        if not self.prices_per_event:
            free_units = self.free_units_per_total_aggregation or ZERO
            return percent_of(billable_units(usage.units - free_units), self.rate)
        if not usage.event_values and (usage.units or usage.events_count):
            raise ValueError("percentage pricing with per-event rules needs usage.event_values")
        return billable_units(sum(self._event_amounts(usage.event_values), ZERO))

    def _event_amounts(self, event_values: tuple[Decimal, ...]) -> Iterator[Decimal]:
        """The amount of each paying event; 0 (unset) free properties mean no allowance of that kind."""
        free_events_left = self.free_units_per_events or None
        free_units_left = self.free_units_per_total_aggregation or None
        allowance_open = free_events_left is not None or free_units_left is not None
        for value in event_values:
            paid_value = value
            if allowance_open and value >= 0:
                if free_events_left is not None:
                    free_events_left -= 1
                if free_units_left is None or value <= free_units_left:
                    if free_units_left is not None:
                        free_units_left -= value
                    # None (no such limit) is never 0, so only a limit that is used up closes the allowance.
                    allowance_open = free_events_left != 0 and free_units_left != 0
                    continue
                paid_value = value - free_units_left
                allowance_open = False
            yield self._transaction_amount(paid_value)

    def _transaction_amount(self, paid_value: Decimal) -> Decimal:
        amount = percent_of(paid_value, self.rate) + (self.fixed_amount or ZERO)
        if self.per_transaction_min_amount is not None:
            amount = max(amount, self.per_transaction_min_amount)
        if self.per_transaction_max_amount is not None:
            amount = min(amount, self.per_transaction_max_amount)
        return amount
