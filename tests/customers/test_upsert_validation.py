import pytest

from billing.models import Sequence
from customers.models import Customer, CustomerMetadata
from tests.customers.conftest import FULL_PAYLOAD, upsert

pytestmark = pytest.mark.django_db


def _assert_validation_error(response, field: str, code: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["status"] == 422
    assert body["error"] == "Unprocessable Entity"
    assert body["code"] == "validation_errors"
    assert code in body["error_details"][field], body


def _metadata(count: int) -> list[dict]:
    return [{"key": f"k{index}", "value": "v"} for index in range(count)]


INVALID_FIELDS = [
    pytest.param({"currency": "ZZZ"}, "currency", "value_is_invalid", id="unknown-currency"),
    pytest.param({"currency": "usd"}, "currency", "value_is_invalid", id="lowercase-currency"),
    pytest.param({"timezone": "Mars/Olympus"}, "timezone", "invalid_timezone", id="unknown-timezone"),
    pytest.param({"country": "XX"}, "country", "country_code_invalid", id="unknown-country"),
    pytest.param({"country": "FRA"}, "country", "value_is_too_long", id="alpha3-country"),
    pytest.param({"email": "not-an-email"}, "email", "invalid_email_format", id="bad-email"),
    pytest.param({"net_payment_term": -1}, "net_payment_term", "value_is_out_of_range", id="negative-term"),
    pytest.param({"net_payment_term": "30"}, "net_payment_term", "invalid_type", id="string-term"),
    pytest.param({"net_payment_term": 1.5}, "net_payment_term", "invalid_type", id="float-term"),
    pytest.param({"net_payment_term": True}, "net_payment_term", "invalid_type", id="bool-term"),
    pytest.param({"net_payment_term": 10**12}, "net_payment_term", "value_is_out_of_range", id="huge-term"),
    pytest.param({"name": 42}, "name", "invalid_type", id="number-name"),
    pytest.param({"name": ["a"]}, "name", "invalid_type", id="list-name"),
    pytest.param({"name": "x" * 256}, "name", "value_is_too_long", id="long-name"),
    pytest.param({"name": "a\x00b"}, "name", "null_characters_not_allowed", id="nul-in-name"),
    pytest.param({"customer_type": "alien"}, "customer_type", "value_is_invalid", id="unknown-customer-type"),
    pytest.param({"external_id": ""}, "external_id", "value_is_mandatory", id="blank-external-id"),
    pytest.param({"external_id": None}, "external_id", "value_is_mandatory", id="null-external-id"),
    pytest.param({"external_id": 12}, "external_id", "invalid_type", id="number-external-id"),
    pytest.param({"metadata": {"key": "a"}}, "metadata", "invalid_type", id="metadata-object"),
    pytest.param({"metadata": "a=b"}, "metadata", "invalid_type", id="metadata-string"),
    pytest.param({"metadata": _metadata(6)}, "metadata", "invalid_count", id="too-many-metadata"),
    pytest.param(
        {"metadata": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]},
        "metadata",
        "duplicated_key",
        id="duplicated-metadata-key",
    ),
    pytest.param(
        {"metadata": [{"key": "k" * 21, "value": "v"}]}, "metadata.0.key", "value_is_too_long", id="long-metadata-key"
    ),
    pytest.param(
        {"metadata": [{"key": "k", "value": "v" * 101}]},
        "metadata.0.value",
        "value_is_too_long",
        id="long-metadata-value",
    ),
    pytest.param({"metadata": [{"key": "k"}]}, "metadata.0.value", "value_is_mandatory", id="metadata-no-value"),
    pytest.param(
        {"metadata": [{"key": "k", "value": 3}]}, "metadata.0.value", "invalid_type", id="metadata-number-value"
    ),
    pytest.param(
        {"billing_configuration": {"payment_provider": "paypal"}},
        "billing_configuration.payment_provider",
        "value_is_invalid",
        id="unknown-payment-provider",
    ),
    pytest.param(
        {"billing_configuration": {"invoice_grace_period": -2}},
        "billing_configuration.invoice_grace_period",
        "value_is_out_of_range",
        id="negative-grace",
    ),
    pytest.param(
        {"billing_configuration": {"invoice_grace_period": "3"}},
        "billing_configuration.invoice_grace_period",
        "invalid_type",
        id="string-grace",
    ),
    pytest.param(
        {"billing_configuration": {"sync_with_provider": "yes"}},
        "billing_configuration.sync_with_provider",
        "invalid_type",
        id="string-sync",
    ),
    pytest.param(
        {"billing_configuration": {"document_locale": "french"}},
        "billing_configuration.document_locale",
        "invalid_value",
        id="bad-locale",
    ),
    pytest.param(
        {"billing_configuration": ["stripe"]}, "billing_configuration", "invalid_type", id="billing-configuration-list"
    ),
    pytest.param(
        {"billing_configuration": None}, "billing_configuration", "value_is_mandatory", id="billing-configuration-null"
    ),
    pytest.param({"metadata": ["a"]}, "metadata.0", "invalid_type", id="metadata-entry-string"),
]


@pytest.mark.parametrize(("overrides", "field", "code"), INVALID_FIELDS)
def test_invalid_field_on_create_is_refused_and_writes_nothing(api, organization, overrides, field, code):
    response = upsert(api, **{**FULL_PAYLOAD, **overrides})

    _assert_validation_error(response, field, code)
    assert not Customer.objects.exists()
    assert not CustomerMetadata.objects.exists()
    assert not Sequence.objects.filter(organization=organization, value__gt=0).exists()


@pytest.mark.parametrize(("overrides", "field", "code"), INVALID_FIELDS)
def test_invalid_field_on_update_is_refused_and_changes_nothing(api, overrides, field, code):
    upsert(api, **FULL_PAYLOAD)
    before = Customer.objects.values().get()
    metadata_before = list(CustomerMetadata.objects.values())
    external_id = overrides.get("external_id", FULL_PAYLOAD["external_id"])

    response = upsert(api, **{"name": "Changed", "metadata": _metadata(1), **overrides, "external_id": external_id})

    _assert_validation_error(response, field, code)
    assert Customer.objects.values().get() == before
    assert list(CustomerMetadata.objects.values()) == metadata_before


def test_missing_root_key_is_refused(api):
    response = api.post("/api/v1/customers", {"external_id": "cust_1"}, format="json")

    _assert_validation_error(response, "customer", "value_is_mandatory")
    assert not Customer.objects.exists()


def test_root_key_of_the_wrong_type_is_refused(api):
    response = api.post("/api/v1/customers", {"customer": ["cust_1"]}, format="json")

    _assert_validation_error(response, "customer", "value_is_mandatory")


def test_malformed_json_is_a_400_in_lagos_shape(api):
    response = api.post("/api/v1/customers", '{"customer": {"external_id": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "error": "Bad Request",
        "code": "bad_request",
        "error_details": {"body": ["invalid_json"]},
    }
    assert not Customer.objects.exists()


def test_body_over_one_megabyte_is_a_413(api):
    response = upsert(api, external_id="cust_big", name="x" * (1024 * 1024))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Customer.objects.exists()
