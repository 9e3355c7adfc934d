import pytest

from billing.models import ApiKey
from billing.services import api_key_revoke
from customers.models import Customer
from tests.customers.conftest import upsert
from tests.factories.billing import issue_key

pytestmark = pytest.mark.django_db

UNAUTHORIZED = {"status": 401, "error": "Unauthorized"}
ROUTES = [
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/cust_1"),
    ("delete", "/api/v1/customers/cust_1"),
]


def test_other_organization_cannot_get_or_delete(other_api, customer):
    assert other_api.get("/api/v1/customers/cust_1").json()["code"] == "customer_not_found"
    assert other_api.delete("/api/v1/customers/cust_1").status_code == 404

    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_other_organization_does_not_list_them(other_api, customer):
    response = other_api.get("/api/v1/customers")

    assert response.json()["customers"] == []
    assert response.json()["meta"]["total_count"] == 0


def test_other_organization_upserting_the_same_external_id_creates_its_own(other_api, customer, other_organization):
    response = upsert(other_api, external_id="cust_1", name="Theirs")

    assert response.status_code == 200
    assert response.json()["customer"]["lago_id"] != str(customer.id)
    customer.refresh_from_db()
    assert customer.name == "First"
    assert Customer.objects.get(organization=other_organization).name == "Theirs"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_key_is_401(client, method, path, customer):
    response = getattr(client, method)(path, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("header", ["Bearer bk_not_a_real_key_at_all", "Basic dXNlcjpwYXNz", "Bearer "])
def test_bad_key_is_401(client, method, path, header, customer):
    response = getattr(client, method)(path, content_type="application/json", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_revoked_key_is_401(client, organization, customer):
    raw_key = issue_key(organization, name="to revoke")
    api_key_revoke(api_key=ApiKey.objects.get(name="to revoke"))

    response = client.get("/api/v1/customers/cust_1", HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_unauthenticated_upsert_writes_nothing(client, organization):
    client.post("/api/v1/customers", {"customer": {"external_id": "x"}}, content_type="application/json")

    assert not Customer.objects.exists()
