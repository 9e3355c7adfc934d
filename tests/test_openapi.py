"""Every API operation documents its request body and its responses, errors included."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_catalog_resources_are_all_documented(schema):
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/customers",
        "/api/v1/customers/{external_id}",
        "/api/v1/billable_metrics",
        "/api/v1/billable_metrics/{code}",
        "/api/v1/plans",
        "/api/v1/plans/{code}",
        "/api/v1/subscriptions",
        "/api/v1/subscriptions/{external_id}",
    ):
        assert expected in paths


def test_every_operation_documents_success_and_auth_failure(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert "200" in responses, (method, path)
        assert "content" in responses["200"], (method, path)
        assert "401" in responses, (method, path)


def test_every_write_documents_its_request_body(schema):
    for path, method, operation in operations(schema):
        if method in ("post", "put"):
            assert "requestBody" in operation, (method, path)


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
