"""Tiered ranges (graduated, volume, graduated_percentage): bounds that start at 0, follow on and end open.

Integer tiers may follow on by one unit (0-10, 11-20, as Lago writes them); decimal tiers meet exactly
(0-0.1, 0.1-1). So a list is valid when each range starts where the previous one ended, or one above it when
both of those bounds are whole numbers.

For pricing, both styles mean the same continuous tiers: a tier holds the units above the previous tier's
to_value up to its own, so 0-10, 11-20 and 0-10, 10-20 both price 10.5 units as 10 in the first tier and 0.5 in
the second (Lago's reading of integer ranges), and no units ever fall between two tiers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from plans.charge_models.base import ZERO, PropertyReader, parse_number


@dataclass(frozen=True)
class Bounds:
    from_value: Decimal
    to_value: Decimal | None  # None: open-ended, the last range only


def _is_whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def follows_on(previous_to: Decimal, next_from: Decimal) -> bool:
    if next_from == previous_to:
        return True
    return _is_whole(previous_to) and _is_whole(next_from) and next_from == previous_to + 1


def bounds_are_contiguous(bounds: Sequence[Bounds]) -> bool:
    """Starts at 0, each range is non-empty, follows on from the previous one, and only the last is open."""
    if not bounds or bounds[0].from_value != 0 or bounds[-1].to_value is not None:
        return False
    for index, current in enumerate(bounds):
        is_last = index == len(bounds) - 1
        if not is_last and (current.to_value is None or current.to_value <= current.from_value):
            return False
        if index and not follows_on(bounds[index - 1].to_value, current.from_value):
            return False
    return True


def units_per_tier(bounds: Sequence[Bounds], units: Decimal) -> list[Decimal]:
    """The units in each tier that `units` (>= 0) reaches, in order: the first tier is always reached, even by
    0 units; a later one only by units above the previous tier's to_value."""
    split = []
    lower = ZERO
    for index, tier in enumerate(bounds):
        if index and units <= lower:
            break
        upper = units if tier.to_value is None else min(units, tier.to_value)
        split.append(upper - lower)
        if tier.to_value is None:
            break
        lower = tier.to_value
    return split


def holding_tier_index(bounds: Sequence[Bounds], units: Decimal) -> int:
    """The index of the tier that holds `units` (>= 0): the first whose to_value is at least `units`.

    With integer bounds this is the tier of the units rounded up to a whole number; with decimal bounds the units
    are compared unrounded, as Lago compares them with to_value, so 0.05 stays in a 0-0.1 tier.
    """
    for index, tier in enumerate(bounds):
        if tier.to_value is None or units <= tier.to_value:
            return index
    raise ValueError("tiers must end with an open range")


def read_bounds(reader: PropertyReader, path: str, item: dict) -> Bounds | None:
    """One range's from_value/to_value (JSON numbers, to_value null when open); errors recorded on `reader`."""
    from_value = parse_number(item.get("from_value"))
    if from_value is None:
        reader.add(f"{path}.from_value", "invalid_value")
    raw_to = item.get("to_value")
    to_value = None if raw_to is None else parse_number(raw_to)
    if raw_to is not None and to_value is None:
        reader.add(f"{path}.to_value", "invalid_value")
        return None
    return None if from_value is None else Bounds(from_value, to_value)


def read_ranges(reader: PropertyReader, key: str, *, item_fields: dict[str, dict]) -> list[dict] | None:
    """Reads the list under `key`: each item's bounds and its decimal-string fields, then the tiers' contiguity.

    `item_fields` maps each field of an item to the keyword arguments of its check, e.g.
    {"per_unit_amount": {"code": "invalid_amount"}, "rate": {"code": "invalid_rate", "maximum": HUNDRED}}.
    Returns one dict per range ({"bounds": Bounds, "<field>": Decimal, ...}) or None when anything is wrong.
    """
    list_code = f"invalid_{key}"
    items = reader.list_of_objects(key, code=list_code)
    if items is None:
        return None
    errors_before = len(reader.errors)
    parsed = []
    for index, item in enumerate(items):
        path = reader.path(f"{key}.{index}")
        item_reader = PropertyReader(item, path, reader.errors)
        item_reader.refuse_unknown_keys({"from_value", "to_value", *item_fields})
        values = {name: item_reader.decimal_string(name, **check) for name, check in item_fields.items()}
        parsed.append({"bounds": read_bounds(reader, path, item), **values})
    if len(reader.errors) > errors_before:
        return None
    if not bounds_are_contiguous([item["bounds"] for item in parsed]):
        reader.add(reader.path(key), list_code)
        return None
    return parsed
