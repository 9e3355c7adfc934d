import pytest

from customers.models import Customer, CustomerMetadata
from tests.customers.conftest import FULL_PAYLOAD, upsert

pytestmark = pytest.mark.django_db


def test_create_renders_every_field_in_lagos_shape(api, organization):
    response = upsert(api, **FULL_PAYLOAD)

    assert response.status_code == 200
    body = response.json()["customer"]
    customer = Customer.objects.get(organization=organization, external_id="cust_full")
    assert body["lago_id"] == str(customer.id)
    assert body["sequential_id"] == 1
    assert body["slug"] == "acme-001"
    for key in (
        "name",
        "firstname",
        "lastname",
        "customer_type",
        "email",
        "phone",
        "url",
        "legal_name",
        "legal_number",
        "tax_identification_number",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zipcode",
        "country",
        "currency",
        "timezone",
        "net_payment_term",
    ):
        assert body[key] == FULL_PAYLOAD[key], key
    assert body["applicable_timezone"] == "Europe/Paris"
    assert body["billing_configuration"] == FULL_PAYLOAD["billing_configuration"]
    assert [(m["key"], m["value"], m["display_in_invoice"]) for m in body["metadata"]] == [
        ("crm_id", "42", True),
        ("segment", "smb", False),
    ]
    assert all(m["lago_id"] for m in body["metadata"])
    assert body["taxes"] == []
    assert body["created_at"].endswith("Z") and "." not in body["created_at"]


def test_minimal_create_renders_blanks_as_null_and_the_organizations_timezone(api, organization):
    organization.timezone = "America/New_York"
    organization.save()

    body = upsert(api, external_id="cust_min").json()["customer"]

    assert body["name"] is None
    assert body["currency"] is None
    assert body["timezone"] is None
    assert body["applicable_timezone"] == "America/New_York"
    assert body["net_payment_term"] is None
    assert body["metadata"] == []
    assert body["billing_configuration"] == {
        "invoice_grace_period": None,
        "payment_provider": None,
        "provider_customer_id": None,
        "sync_with_provider": False,
        "document_locale": None,
    }


def test_sequential_ids_and_slugs_increase_per_organization(api, other_api):
    first = upsert(api, external_id="a").json()["customer"]
    second = upsert(api, external_id="b").json()["customer"]
    elsewhere = upsert(other_api, external_id="a").json()["customer"]

    assert (first["sequential_id"], second["sequential_id"]) == (1, 2)
    assert (first["slug"], second["slug"]) == ("acme-001", "acme-002")
    assert (elsewhere["sequential_id"], elsewhere["slug"]) == (1, "globex-001")


def test_upsert_changes_only_the_keys_present(api, organization):
    upsert(api, **FULL_PAYLOAD)

    response = upsert(api, external_id="cust_full", name="Renamed", billing_configuration={"invoice_grace_period": 7})

    assert response.status_code == 200
    body = response.json()["customer"]
    assert body["name"] == "Renamed"
    assert body["email"] == FULL_PAYLOAD["email"]
    assert body["currency"] == "EUR"
    assert body["billing_configuration"]["invoice_grace_period"] == 7
    assert body["billing_configuration"]["payment_provider"] == "stripe"
    assert len(body["metadata"]) == 2
    assert body["sequential_id"] == 1
    assert Customer.objects.filter(organization=organization).count() == 1


def test_null_clears_an_optional_value(api):
    upsert(api, **FULL_PAYLOAD)

    body = upsert(
        api,
        external_id="cust_full",
        email=None,
        net_payment_term=None,
        billing_configuration={"payment_provider": None},
    ).json()["customer"]

    assert body["email"] is None
    assert body["net_payment_term"] is None
    assert body["billing_configuration"]["payment_provider"] is None
    assert body["name"] == FULL_PAYLOAD["name"]


def test_metadata_given_replaces_the_set_matching_by_key(api):
    first = upsert(api, **FULL_PAYLOAD).json()["customer"]
    crm_id = next(m["lago_id"] for m in first["metadata"] if m["key"] == "crm_id")

    body = upsert(
        api,
        external_id="cust_full",
        metadata=[{"key": "crm_id", "value": "43", "display_in_invoice": False}, {"key": "region", "value": "eu"}],
    ).json()["customer"]

    assert {m["key"]: m["value"] for m in body["metadata"]} == {"crm_id": "43", "region": "eu"}
    assert next(m["lago_id"] for m in body["metadata"] if m["key"] == "crm_id") == crm_id
    assert not CustomerMetadata.objects.filter(key="segment").exists()


def test_empty_metadata_list_removes_all_entries(api):
    upsert(api, **FULL_PAYLOAD)

    body = upsert(api, external_id="cust_full", metadata=[]).json()["customer"]

    assert body["metadata"] == []
    assert CustomerMetadata.objects.count() == 0


def test_unknown_keys_sent_by_the_client_are_ignored(api):
    response = upsert(
        api,
        external_id="cust_x",
        shipping_address={"city": "Lyon"},
        integration_customers=[{"integration_type": "netsuite"}],
        finalize_zero_amount_invoice="inherit",
    )

    assert response.status_code == 200
    assert response.json()["customer"]["external_id"] == "cust_x"


def test_lowercase_country_is_stored_upper_case(api):
    body = upsert(api, external_id="cust_fr", country="fr").json()["customer"]

    assert body["country"] == "FR"


def test_updated_at_moves_but_created_at_stays_on_update(api, organization):
    created = upsert(api, external_id="cust_t").json()["customer"]
    Customer.objects.filter(external_id="cust_t").update(updated_at="2020-01-01T00:00:00Z")

    updated = upsert(api, external_id="cust_t", name="New").json()["customer"]

    assert updated["created_at"] == created["created_at"]
    assert updated["updated_at"] != "2020-01-01T00:00:00Z"
