from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import (
    from_cents,
    is_valid_currency,
    minor_unit_exponent,
    plain_decimal,
    round_to_minor_unit,
    to_cents,
)


@pytest.mark.parametrize(
    ("amount", "currency", "cents"),
    [
        ("10.005", "USD", 1001),  # half-up, not banker's rounding
        ("10.004", "USD", 1000),
        ("0.5", "JPY", 1),
        ("1234.4", "JPY", 1234),
        ("1.0005", "KWD", 1001),
        ("-0.005", "USD", -1),
        ("0", "EUR", 0),
    ],
)
def test_to_cents_rounds_half_up_to_the_currency_minor_unit(amount, currency, cents):
    assert to_cents(Decimal(amount), currency) == cents


@pytest.mark.parametrize(("currency", "exponent"), [("USD", 2), ("JPY", 0), ("KWD", 3), ("EUR", 2), ("CLF", 4)])
def test_minor_unit_exponents(currency, exponent):
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("code", "valid"),
    [("USD", True), ("JPY", True), ("usd", False), ("ZZZ", False), ("XXX", False), ("US", False), (None, False)],
)
def test_currency_validation(code, valid):
    assert is_valid_currency(code) is valid


@given(cents=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
def test_cents_round_trip(cents, currency):
    assert to_cents(from_cents(cents, currency), currency) == cents


@given(
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=6), currency=st.sampled_from(["USD", "JPY", "KWD"])
)
def test_rounding_is_within_half_a_minor_unit(amount, currency):
    rounded = round_to_minor_unit(amount, currency)
    assert abs(rounded - amount) <= Decimal(1).scaleb(-minor_unit_exponent(currency)) / 2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0.2200", "0.22"),
        ("1E+2", "100"),
        ("-0", "0"),
        ("0E-15", "0"),
        ("12.500000000000000", "12.5"),
        ("-0.000000000000001", "-0.000000000000001"),
        ("100", "100"),
        ("1234567890123456789012345.123456789012345", "1234567890123456789012345.123456789012345"),
        ("99999999999999999999999999.999999999999", "99999999999999999999999999.999999999999"),
    ],
)
def test_plain_decimal_is_exact_and_shortest(value, text):
    assert plain_decimal(Decimal(value)) == text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=15, min_value=-(10**25), max_value=10**25))
def test_plain_decimal_reads_back_to_the_same_value(value):
    text = plain_decimal(value)
    assert Decimal(text) == value
    assert "E" not in text and not (("." in text) and text.endswith("0"))
