"""Money, numbers and dates as a document in a given locale writes them (CLDR data through babel): `1.234,56 €` in
German, `€1,234.56` in English, `¥1,235` for yen.

The number of decimals is the currency's minor unit as billing rounds it (billing.money), not CLDR's own digits, so a
document never shows an amount other than the one billed.
"""

import copy
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal, format_percent

from billing.money import minor_unit_exponent, plain_decimal

DEFAULT_LOCALE = "en"
# A unit price can be a fraction of a minor unit (0.00042 USD per call); past this many decimals it is rounded.
UNIT_PRICE_MAX_DECIMALS = 6


def document_locale(*codes: str) -> Locale:
    """The first of `codes` babel knows (Lago's `pt-BR` or `de`), else English."""
    for code in codes:
        if not code:
            continue
        try:
            return Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


def format_money(amount: Decimal, currency: str, locale: Locale, *, max_decimals: int | None = None) -> str:
    """`amount` with the currency's minor-unit decimals; `max_decimals` lets more through (unit prices)."""
    digits = minor_unit_exponent(currency)
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (digits, max(digits, max_decimals or digits))
    return pattern.apply(Decimal(amount), locale, currency=currency, currency_digits=False)


def format_unit_price(amount: Decimal, currency: str, locale: Locale) -> str:
    return format_money(amount, currency, locale, max_decimals=UNIT_PRICE_MAX_DECIMALS)


def format_quantity(value: Decimal, locale: Locale) -> str:
    """Units as billed, without trailing zeros: `1.234,5`, `10`."""
    return format_decimal(Decimal(plain_decimal(Decimal(value))), locale=locale, decimal_quantization=False)


def format_rate(percent: Decimal, locale: Locale) -> str:
    """A tax rate given in percent: `20 %` in German, `19.6%` in English."""
    return format_percent(Decimal(percent).normalize() / 100, locale=locale, decimal_quantization=False)


def format_day(day: date, locale: Locale) -> str:
    return babel_format_date(day, format="medium", locale=locale)
