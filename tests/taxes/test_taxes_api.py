"""/api/v1/taxes: Lago's tax object, CRUD by code, pagination, and isolation between organizations."""

from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from customers.services import customer_delete
from taxes.models import Tax
from tests.factories.customers import CustomerFactory
from tests.factories.plans import ChargeFactory, PlanFactory
from tests.factories.taxes import TaxFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/taxes"

TAX_KEYS = {
    "lago_id", "name", "code", "rate", "description", "applied_to_organization", "add_ons_count", "charges_count",
    "customers_count", "plans_count", "created_at",
}  # fmt: skip


def test_create_answers_200_with_lagos_tax_object(api, organization):
    response = api.post(
        URL,
        {
            "tax": {
                "name": "TVA",
                "code": "vat_fr",
                "rate": 20.0,
                "description": "French VAT",
                "applied_to_organization": True,
            }
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()["tax"]
    assert set(body) == TAX_KEYS
    tax = Tax.objects.get(organization=organization, code="vat_fr")
    assert body["lago_id"] == str(tax.id)
    assert (body["name"], body["rate"], body["description"], body["applied_to_organization"]) == (
        "TVA", 20.0, "French VAT", True,
    )  # fmt: skip
    assert tax.rate == Decimal("20")
    assert (body["add_ons_count"], body["charges_count"], body["plans_count"], body["customers_count"]) == (0, 0, 0, 0)
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("sent", "stored", "rendered"),
    [(20, Decimal("20"), 20.0), ("5.5", Decimal("5.5"), 5.5), (8.875, Decimal("8.875"), 8.875), (0, Decimal(0), 0.0),
     ("100", Decimal("100"), 100.0), ("0.000001", Decimal("0.000001"), 0.000001)],
)  # fmt: skip
def test_rate_is_a_number_or_a_decimal_string_kept_exactly(api, sent, stored, rendered):
    body = api.post(URL, {"tax": {"name": "T", "code": "t", "rate": sent}}).json()["tax"]

    assert Tax.objects.get(code="t").rate == stored
    assert body["rate"] == rendered


def test_description_and_flag_default_when_left_out(api):
    body = api.post(URL, {"tax": {"name": "T", "code": "t", "rate": "10"}}).json()["tax"]

    assert body["description"] is None
    assert body["applied_to_organization"] is False


def test_a_duplicate_code_is_refused_in_the_same_organization_only(api, other_api, vat):
    duplicate = api.post(URL, {"tax": {"name": "Other", "code": "vat_fr", "rate": "10"}})
    elsewhere = other_api.post(URL, {"tax": {"name": "Other", "code": "vat_fr", "rate": "10"}})

    assert duplicate.status_code == 422
    assert duplicate.json()["error_details"] == {"code": ["value_already_exist"]}
    assert elsewhere.status_code == 200
    assert Tax.objects.filter(code="vat_fr").count() == 2


def test_get_by_code(api, vat):
    response = api.get(f"{URL}/vat_fr")

    assert response.status_code == 200
    assert response.json()["tax"]["lago_id"] == str(vat.id)


def test_list_is_paginated_and_ordered_by_name(api, organization):
    for name in ("Gamma", "Alpha", "Beta"):
        TaxFactory(organization=organization, name=name, code=name.lower())

    first = api.get(URL, {"per_page": 2}).json()
    second = api.get(URL, {"per_page": 2, "page": 2}).json()

    assert [tax["name"] for tax in first["taxes"]] == ["Alpha", "Beta"]
    assert [tax["name"] for tax in second["taxes"]] == ["Gamma"]
    assert first["meta"] == {"current_page": 1, "next_page": 2, "prev_page": None, "total_pages": 2, "total_count": 3}


def test_update_changes_only_the_keys_present(api, vat):
    response = api.put(f"{URL}/vat_fr", {"tax": {"rate": "19.6"}})

    assert response.status_code == 200
    vat.refresh_from_db()
    assert (vat.name, vat.rate, vat.code) == ("TVA", Decimal("19.6"), "vat_fr")
    assert response.json()["tax"]["rate"] == 19.6


def test_update_can_rename_the_code_but_not_onto_another(api, vat, reduced_vat):
    taken = api.put(f"{URL}/vat_fr", {"tax": {"code": "vat_fr_reduced"}})
    renamed = api.put(f"{URL}/vat_fr", {"tax": {"code": "vat_france", "description": None}})

    assert taken.status_code == 422
    assert taken.json()["error_details"] == {"code": ["value_already_exist"]}
    assert renamed.status_code == 200
    assert renamed.json()["tax"]["code"] == "vat_france"
    assert api.get(f"{URL}/vat_fr").status_code == 404
    assert Tax.objects.get(pk=vat.pk).code == "vat_france"


def test_delete_answers_the_tax_and_unlinks_it_everywhere(api, organization, vat, reduced_vat):
    customer = CustomerFactory(organization=organization)
    plan = PlanFactory(organization=organization)
    charge = ChargeFactory(plan=plan)
    for owner in (customer, plan, charge):
        owner.taxes.set([vat, reduced_vat])

    response = api.delete(f"{URL}/vat_fr")

    assert response.status_code == 200
    assert response.json()["tax"]["code"] == "vat_fr"
    assert not Tax.objects.filter(pk=vat.pk).exists()
    for owner in (customer, plan, charge):
        assert list(owner.taxes.all()) == [reduced_vat]


def test_counts_follow_live_links(api, organization, vat):
    customers = [CustomerFactory(organization=organization) for _ in range(2)]
    live_plan, deleted_plan = PlanFactory(organization=organization), PlanFactory(organization=organization)
    charges = [ChargeFactory(plan=live_plan), ChargeFactory(plan=live_plan), ChargeFactory(plan=deleted_plan)]
    for owner in (*customers, live_plan, deleted_plan, *charges):
        owner.taxes.add(vat)
    deleted_plan.deleted_at = deleted_plan.created_at  # a deleted plan and its charge no longer count
    deleted_plan.save(update_fields=["deleted_at"])

    body = api.get(f"{URL}/vat_fr").json()["tax"]

    assert (body["customers_count"], body["plans_count"], body["charges_count"]) == (2, 1, 2)


def test_an_organization_tax_counts_the_customers_without_taxes_of_their_own(api, organization, vat, reduced_vat):
    Tax.objects.filter(pk=vat.pk).update(applied_to_organization=True)
    CustomerFactory(organization=organization)
    CustomerFactory(organization=organization)
    CustomerFactory(organization=organization).taxes.add(reduced_vat)
    CustomerFactory(organization=organization).taxes.add(vat, reduced_vat)
    customer_delete(customer=CustomerFactory(organization=organization))
    customer_delete(customer=CustomerFactory(organization=organization, tax_codes=["vat_fr"]))

    counts = {tax["code"]: tax["customers_count"] for tax in api.get(URL).json()["taxes"]}

    assert counts == {"vat_fr": 3, "vat_fr_reduced": 2}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_another_organizations_tax_is_not_found_and_stays_unchanged(other_api, vat, method):
    response = getattr(other_api, method)(f"{URL}/vat_fr", {"tax": {"rate": "1"}})

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "code": "tax_not_found"}
    assert Tax.objects.get(pk=vat.pk).rate == Decimal("20")


def test_another_organizations_taxes_are_not_listed(other_api, vat):
    body = other_api.get(URL).json()

    assert body["taxes"] == []
    assert body["meta"]["total_count"] == 0


def test_an_unknown_code_is_not_found(api):
    assert api.get(f"{URL}/nope").json()["code"] == "tax_not_found"
    assert api.put(f"{URL}/nope", {"tax": {"rate": "1"}}).status_code == 404
    assert api.delete(f"{URL}/nope").status_code == 404


def test_requests_need_an_api_key(client):
    assert client.get(URL).status_code == 401


def test_the_taxes_operations_are_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operations = {
        operation["operationId"]
        for path in ("/api/v1/taxes", "/api/v1/taxes/{code}")
        for operation in schema["paths"][path].values()
    }
    assert operations == {"taxes_list", "taxes_create", "taxes_retrieve", "taxes_update", "taxes_destroy"}
    tax_schema = schema["components"]["schemas"]["Tax"]
    assert set(tax_schema["required"]) == TAX_KEYS
