from datetime import timedelta

import pytest
from django.utils import timezone

from customers.deletion_hooks import _hooks
from customers.models import Customer
from tests.customers.conftest import upsert
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(organization):
    """Five customers, created in this order (so listed in reverse)."""
    specs = [
        ("c1", {"name": "Alpha Widgets", "country": "FR", "currency": "EUR", "customer_type": "company"}),
        ("c2", {"name": "Beta", "firstname": "Ada", "country": "DE", "currency": "EUR", "customer_type": "individual"}),
        (
            "c3",
            {
                "name": "Gamma",
                "email": "ops@gamma.test",
                "country": "US",
                "currency": "USD",
                "customer_type": "company",
            },
        ),
        (
            "c4",
            {
                "name": "Delta",
                "lastname": "Widgetson",
                "country": "FR",
                "currency": "USD",
                "customer_type": "individual",
            },
        ),
        ("c5", {"name": "Epsilon", "country": "", "currency": "", "customer_type": ""}),
    ]
    return [CustomerFactory(organization=organization, external_id=key, **fields) for key, fields in specs]


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [customer["external_id"] for customer in response.json()["customers"]]


def test_list_is_newest_first_with_pagination_meta(api, catalog):
    response = api.get("/api/v1/customers", {"per_page": 2, "page": 2})

    assert _ids(response) == ["c3", "c2"]
    assert response.json()["meta"] == {
        "current_page": 2,
        "next_page": 3,
        "prev_page": 1,
        "total_pages": 3,
        "total_count": 5,
    }


def test_list_page_past_the_end_is_empty(api, catalog):
    response = api.get("/api/v1/customers", {"per_page": 2, "page": 9})

    assert _ids(response) == []
    assert response.json()["meta"]["total_count"] == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("countries[]=FR", ["c4", "c1"]),
        ("countries[]=FR&countries[]=DE", ["c4", "c2", "c1"]),
        ("currencies[]=USD", ["c4", "c3"]),
        ("currencies[]=EUR&countries[]=DE", ["c2"]),
        ("customer_type=individual", ["c4", "c2"]),
        ("search_term=widget", ["c4", "c1"]),
        ("search_term=ADA", ["c2"]),
        ("search_term=gamma.test", ["c3"]),
        ("search_term=c5", ["c5"]),
        ("search_term=nobody", []),
    ],
)
def test_list_filters(api, catalog, query, expected):
    assert _ids(api.get(f"/api/v1/customers?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("countries[]=XX", "countries"),
        ("currencies[]=ZZZ", "currencies"),
        ("customer_type=alien", "customer_type"),
        ("search_term=a%00b", "search_term"),
        ("page=0", "page"),
        ("per_page=abc", "per_page"),
    ],
)
def test_list_bad_filter_values_are_422(api, catalog, query, field):
    response = api.get(f"/api/v1/customers?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_errors"
    assert field in response.json()["error_details"]


def test_list_excludes_deleted_customers(api, catalog):
    api.delete("/api/v1/customers/c3")

    assert _ids(api.get("/api/v1/customers")) == ["c5", "c4", "c2", "c1"]


def test_get_returns_the_customer(api, customer):
    response = api.get("/api/v1/customers/cust_1")

    assert response.status_code == 200
    assert response.json()["customer"]["lago_id"] == str(customer.id)
    assert response.json()["customer"]["name"] == "First"


def test_get_unknown_customer_is_404_customer_not_found(api):
    response = api.get("/api/v1/customers/nope")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "code": "customer_not_found"}


@pytest.mark.parametrize("method", ["get", "delete"])
def test_external_id_with_a_nul_byte_is_not_found(api, method):
    response = getattr(api, method)("/api/v1/customers/a%00b")

    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"


def test_delete_soft_deletes_and_returns_the_customer(api, customer):
    response = api.delete("/api/v1/customers/cust_1")

    assert response.status_code == 200
    assert response.json()["customer"]["lago_id"] == str(customer.id)
    assert response.json()["customer"]["name"] == "First"
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert api.get("/api/v1/customers/cust_1").status_code == 404
    assert api.delete("/api/v1/customers/cust_1").status_code == 404


def test_deleted_external_id_can_be_reused_by_a_new_customer(api, customer):
    api.delete("/api/v1/customers/cust_1")

    body = upsert(api, external_id="cust_1", name="Second life").json()["customer"]

    assert body["lago_id"] != str(customer.id)
    assert body["sequential_id"] == customer.sequential_id + 1
    assert api.get("/api/v1/customers/cust_1").json()["customer"]["name"] == "Second life"
    assert Customer.objects.filter(external_id="cust_1").count() == 2


@pytest.fixture
def recorded_hook():
    calls = []

    def hook(*, customer, at):
        calls.append((customer.external_id, at, Customer.objects.get(pk=customer.pk).deleted_at))

    _hooks.append(hook)
    yield calls
    _hooks.remove(hook)


def test_delete_runs_the_deletion_hooks_before_marking_deleted(api, customer, recorded_hook):
    api.delete("/api/v1/customers/cust_1")

    customer.refresh_from_db()
    [(external_id, at, deleted_at_seen_by_hook)] = recorded_hook
    assert external_id == "cust_1"
    assert deleted_at_seen_by_hook is None
    assert at == customer.deleted_at
    assert abs(timezone.now() - at) < timedelta(minutes=1)
