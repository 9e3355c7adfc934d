"""Helpers shared by the charge models: parsing (strict types, canonical decimals, errors keyed by property path)
and pricing (exact Decimal arithmetic, no rounding).

Unit prices are decimal strings in major units ("0.22"), never JSON numbers: a float cannot carry a price exactly.
Range bounds are JSON numbers (int or decimal). Every helper records an error and returns None rather than raising,
so one call reports every faulty property at once.
"""

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from typing import Any, ClassVar, ParamSpec

from billing.errors import ValidationFailed
from billing.money import plain_decimal
from plans.charge_models.usage import ChargeUsage

DECIMAL_STRING = re.compile(r"\d{1,15}(\.\d{1,12})?")
MAX_BOUND = Decimal(10) ** 15
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# Pricing returns the precise amount (the invoice rounds once per fee), so its arithmetic must never round:
# the precision covers any product of validated prices and realistic units, and a result that would still need
# rounding raises Inexact instead of silently billing a rounded amount.
EXACT_CONTEXT = Context(prec=200, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])

P = ParamSpec("P")


def exact(pricing: Callable[P, Decimal]) -> Callable[P, Decimal]:
    """Runs a pricing function under EXACT_CONTEXT."""

    @functools.wraps(pricing)
    def exactly(*args: P.args, **kwargs: P.kwargs) -> Decimal:
        with localcontext(EXACT_CONTEXT):
            return pricing(*args, **kwargs)

    return exactly


def billable_units(units: Decimal) -> Decimal:
    """Negative units (a sum of negative values) bill as none, like Lago, which floors them to 0; -0 gives 0."""
    return units if units > 0 else ZERO


def percent_of(value: Decimal, rate: Decimal) -> Decimal:
    return value * rate.scaleb(-2)


def canonical_decimal(value: Decimal) -> str:
    """The shortest plain form: 0.2200 gives "0.22", 1E+2 gives "100", -0 gives "0"."""
    return plain_decimal(value)


def bound_to_json(value: Decimal | None) -> int | float | None:
    """Range bounds go back to JSON numbers: integral ones as int, others as the shortest float that reads back."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_decimal_string(raw: Any) -> Decimal | None:
    """A non-negative decimal string with at most 15 integer and 12 fractional digits, else None."""
    if not isinstance(raw, str) or not DECIMAL_STRING.fullmatch(raw):
        return None
    return Decimal(raw)


def parse_number(raw: Any) -> Decimal | None:
    """A finite JSON number (int or float, not bool) as Decimal, else None. Floats go through their repr."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    if not value.is_finite() or abs(value) >= MAX_BOUND:
        return None
    return value


@dataclass
class PropertyReader:
    """Reads one properties object, collecting {"<prefix>.<key>": [code]} errors; `finish()` raises them all."""

    properties: dict[str, Any]
    prefix: str = "properties"
    errors: dict[str, list[str]] = field(default_factory=dict)

    def path(self, key: str | int) -> str:
        return f"{self.prefix}.{key}"

    def add(self, path: str, code: str) -> None:
        self.errors.setdefault(path, []).append(code)

    def refuse_unknown_keys(self, allowed: set[str]) -> None:
        for key in self.properties:
            if key not in allowed:
                self.add(self.path(key), "unknown_property")

    def has(self, key: str) -> bool:
        return self.properties.get(key) is not None

    def decimal_string(
        self, key: str, *, code: str, required: bool = True, maximum: Decimal | None = None
    ) -> Decimal | None:
        if not self.has(key):
            if required:
                self.add(self.path(key), "value_is_mandatory")
            return None
        value = parse_decimal_string(self.properties[key])
        if value is None or (maximum is not None and value > maximum):
            self.add(self.path(key), code)
            return None
        return value

    def integer(self, key: str, *, code: str, minimum: int, required: bool = True) -> int | None:
        if not self.has(key):
            if required:
                self.add(self.path(key), "value_is_mandatory")
            return None
        raw = self.properties[key]
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum or raw >= MAX_BOUND:
            self.add(self.path(key), code)
            return None
        return raw

    def pricing_group_keys(self) -> tuple[str, ...]:
        raw = self.properties.get("pricing_group_keys")
        if raw is None:
            return ()
        valid = (
            isinstance(raw, list)
            and all(isinstance(item, str) and item.strip() for item in raw)
            and len(set(raw)) == len(raw)
        )
        if not valid:
            self.add(self.path("pricing_group_keys"), "invalid_pricing_group_keys")
            return ()
        return tuple(raw)

    def list_of_objects(self, key: str, *, code: str) -> list[dict] | None:
        if not self.has(key):
            self.add(self.path(key), "value_is_mandatory")
            return None
        raw = self.properties[key]
        if not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
            self.add(self.path(key), code)
            return None
        return raw

    def finish(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


@dataclass(frozen=True, kw_only=True)
class ChargeProperties(ABC):
    """The parsed, validated properties of one charge model; subclasses add their own fields."""

    PROPERTY_NAMES: ClassVar[frozenset[str]] = frozenset()

    pricing_group_keys: tuple[str, ...] = ()

    @classmethod
    def parse(cls, properties: Any, *, prefix: str = "properties") -> "ChargeProperties":
        if not isinstance(properties, dict):
            raise ValidationFailed.single(prefix, "invalid_type")
        reader = PropertyReader(properties, prefix)
        reader.refuse_unknown_keys(set(cls.PROPERTY_NAMES) | {"pricing_group_keys"})
        fields = cls.read(reader)
        pricing_group_keys = reader.pricing_group_keys()
        reader.finish()
        return cls(pricing_group_keys=pricing_group_keys, **fields)

    @classmethod
    @abstractmethod
    def read(cls, reader: PropertyReader) -> dict[str, Any]:
        """The model's own fields, read through `reader` (errors recorded there)."""

    def to_json(self) -> dict[str, Any]:
        """The canonical stored and rendered form: decimal strings for amounts, numbers for bounds."""
        data = self.model_json()
        if self.pricing_group_keys:
            data["pricing_group_keys"] = list(self.pricing_group_keys)
        return data

    @abstractmethod
    def model_json(self) -> dict[str, Any]:
        """The model's own fields in their JSON form."""

    @abstractmethod
    def amount_for(self, usage: ChargeUsage) -> Decimal:
        """The precise amount `usage` costs in major units: never rounded, never negative.

        (Not `amount`: standard and package already have an `amount` property, their unit or package price.)
        """


def optional_decimal(value: Decimal | None) -> str | None:
    return None if value is None else canonical_decimal(value)
