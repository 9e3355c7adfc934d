"""What a charge is priced on: the aggregated usage of one billing window (computed by metering, priced here)."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChargeUsage:
    """The usage of one charge over one window.

    `units` is the aggregation (sum, count, max, ...); `event_values` are the per-event contributions to it in
    time order, read only by the percentage model's per-event rules (free events, fixed fee, per-transaction
    bounds). `events_count` rides along for the fee; pricing does not read it.
    """

    units: Decimal
    events_count: int = 0
    event_values: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        # A float here would make every amount inexact; refuse it rather than convert it.
        object.__setattr__(self, "event_values", tuple(self.event_values))
        if not isinstance(self.units, Decimal) or not all(isinstance(value, Decimal) for value in self.event_values):
            raise TypeError("ChargeUsage takes Decimal units and event values")
