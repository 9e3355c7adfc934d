"""Money, quantities, rates and periods as an invoice PDF writes them in each locale (worked examples)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from invoicing.pdf.formatting import (
    document_locale,
    format_day,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
)
from invoicing.pdf.selectors import fee_period

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("locale", "currency", "amount", "expected"),
    [
        ("de", "EUR", "1234.56", f"1.234,56{NBSP}€"),
        ("en", "USD", "1234.56", "$1,234.56"),
        ("fr", "EUR", "1234.56", f"1{NNBSP}234,56{NBSP}€"),
        ("en", "JPY", "1235", "¥1,235"),
        ("de", "JPY", "1235", f"1.235{NBSP}¥"),
        ("en", "KWD", "1234.567", "KWD1,234.567"),
        ("pt-BR", "BRL", "1234.5", f"R${NBSP}1.234,50"),
        ("en", "USD", "0", "$0.00"),
        ("de-CH", "CHF", "1234.5", f"CHF{NBSP}1’234.50"),
    ],
)
def test_amounts_show_the_currency_minor_unit_in_the_locale_style(locale, currency, amount, expected):
    assert format_money(Decimal(amount), currency, document_locale(locale)) == expected


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("JPY", "1235", "¥1,235"),  # CLDR and ISO agree on no decimals for yen
        ("KWD", "1.5", "KWD1.500"),  # three decimals, the dinar's fils
        ("USD", "2", "$2.00"),
    ],
)
def test_an_amount_never_shows_other_decimals_than_the_billed_minor_unit(currency, amount, expected):
    assert format_money(Decimal(amount), currency, document_locale("en")) == expected


@pytest.mark.parametrize(
    ("locale", "currency", "price", "expected"),
    [
        ("en", "USD", "0.000421", "$0.000421"),  # a fraction of a cent per call is shown as priced
        ("en", "USD", "2", "$2.00"),
        ("en", "USD", "0.12345678", "$0.123457"),  # six decimals at most
        ("de", "EUR", "0.0001", f"0,0001{NBSP}€"),
        ("en", "JPY", "0.5", "¥0.5"),
    ],
)
def test_unit_prices_keep_their_sub_minor_unit_decimals(locale, currency, price, expected):
    assert format_unit_price(Decimal(price), currency, document_locale(locale)) == expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("de", "fr"), "de"),  # the customer's locale first
        (("", "fr"), "fr"),  # then the organization's
        (("", ""), "en"),
        (("xx", "it"), "it"),  # a code babel does not know is skipped
        (("pt-BR",), "pt_BR"),  # Lago writes the region with a hyphen
    ],
)
def test_the_document_locale_falls_back_from_customer_to_organization_to_english(codes, expected):
    assert str(document_locale(*codes)) == expected


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [("en", "1234.50000", "1,234.5"), ("de", "1234.5", "1.234,5"), ("en", "10.000000", "10"), ("en", "0", "0")],
)
def test_quantities_drop_trailing_zeros(locale, value, expected):
    assert format_quantity(Decimal(value), document_locale(locale)) == expected


@pytest.mark.parametrize(
    ("locale", "rate", "expected"),
    [("en", "20.000000", "20%"), ("de", "19.6", f"19,6{NBSP}%"), ("fr", "5.5", f"5,5{NBSP}%")],
)
def test_tax_rates_are_percentages_in_the_locale_style(locale, rate, expected):
    assert format_rate(Decimal(rate), document_locale(locale)) == expected


@pytest.mark.parametrize(
    ("start", "end", "zone", "expected"),
    [
        # Half-open: a month billed up to 1 February ends on 31 January.
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), "UTC", "Jan 1, 2026 – Jan 31, 2026"),
        # In the customer's time zone: midnight in Tokyo is 15:00 UTC the day before.
        (
            datetime(2025, 12, 31, 15, tzinfo=UTC),
            datetime(2026, 1, 31, 15, tzinfo=UTC),
            "Asia/Tokyo",
            "Jan 1, 2026 – Jan 31, 2026",
        ),
        # An instant (an event billed in advance) is one day.
        (datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 9, tzinfo=UTC), "UTC", "Jan 5, 2026"),
    ],
)
def test_fee_periods_are_dates_in_the_customer_time_zone(start, end, zone, expected):
    assert fee_period(start, end, document_locale("en"), ZoneInfo(zone)) == expected


def test_days_are_written_in_the_locale_medium_style():
    assert format_day(date(2026, 2, 1), document_locale("de")) == "01.02.2026"
    assert format_day(date(2026, 2, 1), document_locale("fr")) == "1 févr. 2026"
