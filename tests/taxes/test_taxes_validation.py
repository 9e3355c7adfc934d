"""Refused tax requests: 422 with field-level codes in Lago's shape, and nothing written or changed."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from billing.errors import ValidationFailed
from taxes.api.serializers import TaxRateField
from taxes.models import Tax
from taxes.services import tax_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/taxes"
VALID = {"name": "TVA", "code": "vat_fr", "rate": "20"}


def assert_refused(response, errors: dict) -> None:
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "validation_errors"
    assert response.json()["error_details"] == errors


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"rate": "100.5"}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": -1}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": 101}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": "0.0000001"}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": "twenty"}, {"rate": ["invalid_value"]}),
        ({"rate": "NaN"}, {"rate": ["invalid_value"]}),
        ({"rate": "Infinity"}, {"rate": ["invalid_value"]}),
        ({"rate": True}, {"rate": ["invalid_type"]}),
        ({"rate": [20]}, {"rate": ["invalid_type"]}),
        ({"rate": None}, {"rate": ["value_is_mandatory"]}),
        ({"name": ""}, {"name": ["value_is_mandatory"]}),
        ({"name": "   "}, {"name": ["value_is_mandatory"]}),
        ({"name": 7}, {"name": ["invalid_type"]}),
        ({"name": "x" * 256}, {"name": ["value_is_too_long"]}),
        ({"code": None}, {"code": ["value_is_mandatory"]}),
        ({"code": {"a": 1}}, {"code": ["invalid_type"]}),
        ({"description": 5}, {"description": ["invalid_type"]}),
        ({"applied_to_organization": "true"}, {"applied_to_organization": ["invalid_type"]}),
        ({"applied_to_organization": 1}, {"applied_to_organization": ["invalid_type"]}),
    ],
)
def test_create_fields_are_checked(api, fields, errors):
    assert_refused(api.post(URL, {"tax": VALID | fields}), errors)
    assert not Tax.objects.exists()


@pytest.mark.parametrize("missing", ["name", "code", "rate"])
def test_required_fields_on_create(api, missing):
    payload = {key: value for key, value in VALID.items() if key != missing}

    assert_refused(api.post(URL, {"tax": payload}), {missing: ["value_is_mandatory"]})
    assert not Tax.objects.exists()


@pytest.mark.parametrize("body", [{}, {"tax": None}, {"tax": ["vat"]}, {"taxes": VALID}])
def test_the_tax_envelope_is_required(api, body):
    assert_refused(api.post(URL, body), {"tax": ["value_is_mandatory"]})
    assert not Tax.objects.exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"rate": "150"}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": "abc", "name": 3}, {"rate": ["invalid_value"], "name": ["invalid_type"]}),
        ({"name": None}, {"name": ["value_is_mandatory"]}),
        ({"code": ""}, {"code": ["value_is_mandatory"]}),
    ],
)
def test_a_refused_update_changes_nothing(api, vat, fields, errors):
    assert_refused(api.put(f"{URL}/vat_fr", {"tax": fields}), errors)

    vat.refresh_from_db()
    assert (vat.name, vat.code, vat.rate) == ("TVA", "vat_fr", Decimal("20"))


def test_the_database_refuses_a_rate_over_100(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tax.objects.create(organization=organization, name="Bad", code="bad", rate=Decimal("100.5"))


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"rate": Decimal("-0.1")}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": Decimal("1.0000001")}, {"rate": ["value_is_out_of_range"]}),
        ({"rate": Decimal("NaN")}, {"rate": ["value_is_out_of_range"]}),
        ({"name": " "}, {"name": ["value_is_mandatory"]}),
    ],
)
def test_the_service_checks_its_own_input(organization, fields, errors):
    with pytest.raises(ValidationFailed) as refused:
        tax_create(organization=organization, **({"name": "T", "code": "t", "rate": Decimal(1)} | fields))

    assert refused.value.details == errors
    assert not Tax.objects.exists()


@given(rate=st.decimals(min_value=0, max_value=100, places=6, allow_nan=False))
def test_any_rate_in_range_with_six_places_round_trips_as_a_string(rate):
    assert TaxRateField().to_internal_value(str(rate)) == rate
