"""The official lago-python-client, unchanged, against a live server: taxes, and tax_codes on customers and plans."""

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models import Charge, Customer, Plan, Tax
from lago_python_client.models.charge import Charges

from tests.factories.billing import OrganizationFactory, issue_key
from tests.factories.plans import BillableMetricFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Client Co")


@pytest.fixture
def client(live_server, organization) -> Client:
    return Client(api_key=issue_key(organization), api_url=live_server.url + "/")


@pytest.fixture
def other_client(live_server) -> Client:
    return Client(api_key=issue_key(OrganizationFactory(name="Other Co")), api_url=live_server.url + "/")


def test_tax_crud_through_the_official_client(client, other_client):
    created = client.taxes.create(
        Tax(name="TVA", code="vat_fr", rate=20.0, description="French VAT", applied_to_organization=True)
    )
    assert (created.code, created.rate, created.applied_to_organization) == ("vat_fr", 20.0, True)
    client.taxes.create(Tax(name="Reduced", code="vat_reduced", rate=5.5))

    assert client.taxes.update(Tax(rate=19.6), "vat_fr").rate == 19.6
    assert client.taxes.find("vat_fr").lago_id == created.lago_id
    listed = client.taxes.find_all({"per_page": 1})
    assert [tax.code for tax in listed["taxes"]] == ["vat_reduced"]  # "Reduced" sorts before "TVA"
    assert listed["meta"]["total_count"] == 2

    with pytest.raises(LagoApiError) as duplicate:
        client.taxes.create(Tax(name="Again", code="vat_fr", rate=1.0))
    assert duplicate.value.status_code == 422
    assert duplicate.value.response["error_details"] == {"code": ["value_already_exist"]}
    with pytest.raises(LagoApiError) as hidden:
        other_client.taxes.find("vat_fr")
    assert hidden.value.response["code"] == "tax_not_found"

    assert client.taxes.destroy("vat_reduced").code == "vat_reduced"
    assert [tax.code for tax in client.taxes.find_all()["taxes"]] == ["vat_fr"]


def test_tax_codes_on_customers_plans_and_charges_through_the_official_client(client, organization):
    client.taxes.create(Tax(name="TVA", code="vat_fr", rate=20.0))
    client.taxes.create(Tax(name="Reduced", code="vat_reduced", rate=5.5))
    metric = BillableMetricFactory(organization=organization)

    customer = client.customers.create(Customer(external_id="cust-1", tax_codes=["vat_fr"]))
    assert [tax.code for tax in customer.taxes.__root__] == ["vat_fr"]

    plan = client.plans.create(
        Plan(
            name="Basic",
            code="basic",
            interval="monthly",
            amount_cents=1000,
            amount_currency="EUR",
            tax_codes=["vat_reduced"],
            charges=Charges(
                __root__=[
                    Charge(
                        billable_metric_id=str(metric.id),
                        charge_model="standard",
                        properties={"amount": "1"},
                        tax_codes=["vat_fr", "vat_reduced"],
                    )
                ]
            ),
        )
    )
    assert [tax.code for tax in plan.taxes.__root__] == ["vat_reduced"]
    assert [tax.code for tax in plan.charges.__root__[0].taxes.__root__] == ["vat_reduced", "vat_fr"]

    with pytest.raises(LagoApiError) as unknown:
        client.customers.create(Customer(external_id="cust-2", tax_codes=["nope"]))
    assert (unknown.value.status_code, unknown.value.response["code"]) == (404, "tax_not_found")
    with pytest.raises(LagoApiError):
        client.customers.find("cust-2")
