"""tax_codes on customers, plans and charges: round trips through the API, Lago's 404 for an unknown code (with
nothing written), and list endpoints that do not query once per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from plans.models import Charge, Plan
from tests.factories.customers import CustomerFactory
from tests.factories.plans import BillableMetricFactory
from tests.factories.taxes import TaxFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"status": 404, "error": "Not Found", "code": "tax_not_found"}


def codes(taxes: list[dict]) -> list[str]:
    return [tax["code"] for tax in taxes]


class TestCustomers:
    URL = "/api/v1/customers"

    def test_tax_codes_round_trip_as_lago_tax_objects(self, api, vat, reduced_vat):
        body = api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": ["vat_fr", "vat_fr_reduced"]}})

        assert body.status_code == 200, body.json()
        taxes = body.json()["customer"]["taxes"]
        assert codes(taxes) == ["vat_fr", "vat_fr_reduced"]  # by name: "TVA" before "TVA réduite"
        assert taxes[0]["lago_id"] == str(vat.id) and taxes[0]["rate"] == 20.0
        assert taxes[0]["customers_count"] == 1
        assert codes(api.get(f"{self.URL}/c1").json()["customer"]["taxes"]) == ["vat_fr", "vat_fr_reduced"]

    def test_an_upsert_without_tax_codes_keeps_them_and_an_empty_list_clears_them(self, api, vat):
        api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": ["vat_fr"]}})

        kept = api.post(self.URL, {"customer": {"external_id": "c1", "name": "Renamed"}}).json()["customer"]
        cleared = api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": []}}).json()["customer"]

        assert codes(kept["taxes"]) == ["vat_fr"]
        assert cleared["taxes"] == []
        assert not Customer.objects.get(external_id="c1").taxes.exists()

    def test_an_unknown_code_is_lagos_404_and_creates_nothing(self, api, vat):
        response = api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": ["vat_fr", "nope"]}})

        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert not Customer.objects.exists()

    def test_an_unknown_code_changes_nothing_on_an_existing_customer(self, api, organization, vat):
        customer = CustomerFactory(organization=organization, external_id="c1", name="Before")
        customer.taxes.add(vat)

        response = api.post(self.URL, {"customer": {"external_id": "c1", "name": "After", "tax_codes": ["nope"]}})

        assert response.status_code == 404
        customer.refresh_from_db()
        assert customer.name == "Before"
        assert list(customer.taxes.all()) == [vat]

    def test_another_organizations_tax_code_is_unknown(self, other_api, vat):
        response = other_api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": ["vat_fr"]}})

        assert response.json() == NOT_FOUND

    @pytest.mark.parametrize(
        ("tax_codes", "errors"),
        [("vat_fr", {"tax_codes": ["invalid_type"]}), ([7], {"tax_codes.0": ["invalid_type"]}),
         (None, {"tax_codes": ["value_is_mandatory"]})],
    )  # fmt: skip
    def test_tax_codes_must_be_a_list_of_strings(self, api, vat, tax_codes, errors):
        response = api.post(self.URL, {"customer": {"external_id": "c1", "tax_codes": tax_codes}})

        assert response.status_code == 422
        assert response.json()["error_details"] == errors
        assert not Customer.objects.exists()

    def test_listing_customers_queries_a_fixed_number_of_times(self, api, organization, vat, reduced_vat):
        def list_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert api.get(self.URL).status_code == 200
            return len(queries)

        CustomerFactory(organization=organization).taxes.add(vat)
        list_queries()  # the first request also looks the API key up
        few = list_queries()
        for _ in range(5):
            CustomerFactory(organization=organization).taxes.add(vat, reduced_vat)

        assert list_queries() == few


class TestPlans:
    URL = "/api/v1/plans"

    def test_plan_and_charge_tax_codes_round_trip(self, api, plan_body, vat, reduced_vat):
        response = api.post(
            self.URL, {"plan": plan_body(tax_codes=["vat_fr"], charge={"tax_codes": ["vat_fr_reduced", "vat_fr"]})}
        )

        assert response.status_code == 200, response.json()
        body = response.json()["plan"]
        assert codes(body["taxes"]) == ["vat_fr"]
        assert codes(body["charges"][0]["taxes"]) == ["vat_fr", "vat_fr_reduced"]
        assert body["taxes"][0]["plans_count"] == 1 and body["taxes"][0]["charges_count"] == 1
        fetched = api.get(f"{self.URL}/basic").json()["plan"]
        assert codes(fetched["taxes"]) == ["vat_fr"]
        assert codes(fetched["charges"][0]["taxes"]) == ["vat_fr", "vat_fr_reduced"]

    def test_without_tax_codes_plan_and_charge_have_none(self, api, plan_body, vat):
        body = api.post(self.URL, {"plan": plan_body()}).json()["plan"]

        assert body["taxes"] == [] and body["charges"][0]["taxes"] == []
        assert body["minimum_commitment"] is None

    def test_an_update_replaces_taxes_given_and_keeps_those_not_mentioned(self, api, plan_body, vat, reduced_vat):
        created = api.post(self.URL, {"plan": plan_body(tax_codes=["vat_fr"], charge={"tax_codes": ["vat_fr"]})})
        charge = created.json()["plan"]["charges"][0]
        same_charge = {
            "id": charge["lago_id"],
            "billable_metric_id": charge["lago_billable_metric_id"],
            "charge_model": "standard",
            "properties": charge["properties"],
        }

        kept = api.put(f"{self.URL}/basic", {"plan": {"name": "Renamed", "charges": [same_charge]}}).json()["plan"]
        replaced = api.put(
            f"{self.URL}/basic",
            {"plan": {"tax_codes": ["vat_fr_reduced"], "charges": [same_charge | {"tax_codes": []}]}},
        ).json()["plan"]

        assert codes(kept["taxes"]) == ["vat_fr"] and codes(kept["charges"][0]["taxes"]) == ["vat_fr"]
        assert codes(replaced["taxes"]) == ["vat_fr_reduced"]
        assert replaced["charges"][0]["taxes"] == []

    @pytest.mark.parametrize(
        "fields",
        [{"tax_codes": ["nope"]}, {"charge": {"tax_codes": ["vat_fr", "nope"]}}],
        ids=["plan", "charge"],
    )
    def test_an_unknown_code_is_lagos_404_and_creates_nothing(self, api, plan_body, vat, fields):
        response = api.post(self.URL, {"plan": plan_body(**fields)})

        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert not Plan.objects.exists() and not Charge.objects.exists()

    def test_an_unknown_code_on_update_changes_nothing(self, api, plan_body, vat):
        api.post(self.URL, {"plan": plan_body(tax_codes=["vat_fr"])})

        response = api.put(f"{self.URL}/basic", {"plan": {"name": "Renamed", "tax_codes": ["vat_fr", "nope"]}})

        assert response.status_code == 404
        plan = Plan.objects.get(code="basic")
        assert plan.name == "Basic"
        assert list(plan.taxes.values_list("code", flat=True)) == ["vat_fr"]

    def test_validation_errors_come_before_unknown_taxes(self, api, plan_body, vat):
        response = api.post(self.URL, {"plan": plan_body(bill_charges_monthly=True, tax_codes=["nope"])})

        assert response.status_code == 422
        assert response.json()["error_details"] == {"bill_charges_monthly": ["not_compatible_with_interval"]}

    def test_another_organizations_tax_code_is_unknown(self, other_api, organization, other_organization, vat):
        metric = BillableMetricFactory(organization=other_organization)
        charge = {"billable_metric_id": str(metric.id), "charge_model": "standard", "properties": {"amount": "1"}}
        body = {"name": "B", "code": "b", "interval": "monthly", "amount_cents": 1, "amount_currency": "EUR"}

        for payload in (body | {"tax_codes": ["vat_fr"]}, body | {"charges": [charge | {"tax_codes": ["vat_fr"]}]}):
            assert other_api.post(self.URL, {"plan": payload}).json() == NOT_FOUND
        assert not Plan.objects.exists()

    def test_listing_plans_queries_a_fixed_number_of_times(self, api, organization, plan_body, vat, reduced_vat):
        def list_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert api.get(self.URL).status_code == 200
            return len(queries)

        api.post(self.URL, {"plan": plan_body(code="p0", tax_codes=["vat_fr"], charge={"tax_codes": ["vat_fr"]})})
        list_queries()  # the first request also looks the API key up
        few = list_queries()
        for number in range(1, 5):
            tax_codes = ["vat_fr", "vat_fr_reduced"]
            api.post(
                self.URL, {"plan": plan_body(code=f"p{number}", tax_codes=tax_codes, charge={"tax_codes": tax_codes})}
            )

        assert list_queries() == few


def test_a_tax_list_reports_the_links_made_through_the_api(api, plan_body, vat):
    api.post("/api/v1/customers", {"customer": {"external_id": "c1", "tax_codes": ["vat_fr"]}})
    api.post("/api/v1/plans", {"plan": plan_body(tax_codes=["vat_fr"], charge={"tax_codes": ["vat_fr"]})})
    TaxFactory(organization=vat.organization, code="unused", name="Unused")

    counts = {
        tax["code"]: (tax["customers_count"], tax["plans_count"], tax["charges_count"])
        for tax in api.get("/api/v1/taxes").json()["taxes"]
    }

    assert counts == {"vat_fr": (1, 1, 1), "unused": (0, 0, 0)}
