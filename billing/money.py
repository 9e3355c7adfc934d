"""Money helpers: Decimal only, rounded half-up once to the currency's minor unit.

The API speaks integer `*_amount_cents` (minor units); storage keeps Decimal major units with django-money.
"""

from decimal import ROUND_HALF_UP, Decimal

import moneyed

# Codes py-moneyed knows that are not currencies one can bill in.
_NOT_BILLABLE = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}


class UnknownCurrency(ValueError):
    pass


def is_valid_currency(code: str) -> bool:
    if not isinstance(code, str) or len(code) != 3 or not code.isupper() or code in _NOT_BILLABLE:
        return False
    try:
        moneyed.get_currency(code)
    except moneyed.CurrencyDoesNotExist:
        return False
    return True


def minor_unit_factor(currency: str) -> int:
    """How many minor units make one major unit: USD 100, JPY 1, KWD 1000."""
    try:
        return moneyed.get_currency(currency).sub_unit
    except moneyed.CurrencyDoesNotExist as exc:
        raise UnknownCurrency(currency) from exc


def minor_unit_exponent(currency: str) -> int:
    return len(str(minor_unit_factor(currency))) - 1


def round_to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    quantum = Decimal(1).scaleb(-minor_unit_exponent(currency))
    return Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal, currency: str) -> int:
    """Major units to integer minor units, rounding half-up once."""
    return int(round_to_minor_unit(amount, currency) * minor_unit_factor(currency))


def from_cents(cents: int, currency: str) -> Decimal:
    return (Decimal(cents) / minor_unit_factor(currency)).quantize(Decimal(1).scaleb(-minor_unit_exponent(currency)))


def plain_decimal(value: Decimal) -> str:
    """The shortest plain form, exactly: 0.2200 gives "0.22", 1E+2 gives "100", -0 gives "0".

    Not Decimal.normalize(), which rounds to the context's 28 digits: a 40-digit amount came back shortened.
    """
    if value.is_zero():
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
