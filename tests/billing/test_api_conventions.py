"""The platform layer's API conventions: bearer auth, Lago's error shapes, envelopes, pagination."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import ApiKey
from billing.services import api_key_issue, api_key_revoke
from tests.factories.billing import issue_key

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.billing.urls")]

UNAUTHORIZED = {"status": 401, "error": "Unauthorized"}


def client_with(header: str | None) -> APIClient:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Token abc", "Bearer bk_not-a-real-key-at-all", "bk_no_scheme_given_here"],
)
def test_requests_without_a_valid_key_get_lago_401(header):
    response = client_with(header).get("/api/v1/probe")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_a_valid_key_authenticates_and_scopes_to_its_organization(organization):
    response = client_with(f"Bearer {issue_key(organization)}").post(
        "/api/v1/probe", {"probe": {"count": 3}}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"probe": {"organization": "Acme", "count": 3}}


def test_expired_and_revoked_keys_are_refused(organization):
    expired = issue_key(organization, expires_at=timezone.now() - timedelta(seconds=1))
    issued = api_key_issue(organization=organization)
    api_key_revoke(api_key=issued.api_key)
    for raw in (expired, issued.raw_key):
        assert client_with(f"Bearer {raw}").get("/api/v1/probe").status_code == 401


def test_a_key_with_the_right_prefix_but_wrong_secret_is_refused(organization):
    raw = issue_key(organization)
    forged = raw[: ApiKey.PREFIX_LENGTH] + "x" * (len(raw) - ApiKey.PREFIX_LENGTH)
    assert client_with(f"Bearer {forged}").get("/api/v1/probe").status_code == 401


def test_keys_are_stored_hashed_and_last_use_is_recorded(organization):
    issued = api_key_issue(organization=organization)
    row = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.raw_key not in (row.key_digest, row.prefix)
    assert row.key_digest == ApiKey.digest(issued.raw_key)
    assert row.last_used_at is None
    client_with(f"Bearer {issued.raw_key}").get("/api/v1/probe")
    assert ApiKey.objects.get(pk=row.pk).last_used_at is not None


def test_missing_root_key_is_a_field_level_422(api):
    response = api.post("/api/v1/probe", {"count": 1}, format="json")
    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "error": "Unprocessable Entity",
        "code": "validation_errors",
        "error_details": {"probe": ["value_is_mandatory"]},
    }


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({}, "count", "value_is_mandatory"),
        ({"count": "3"}, "count", "invalid_type"),
        ({"count": True}, "count", "invalid_type"),
        ({"count": -1}, "count", "value_is_out_of_range"),
        ({"count": 1, "currency": "ZZZ"}, "currency", "value_is_invalid"),
        ({"count": 1, "timezone": "Mars/Olympus"}, "timezone", "invalid_timezone"),
        ({"count": 1, "amount": 1.5}, "amount", "invalid_type"),
        ({"count": 1, "amount": "NaN"}, "amount", "invalid_value"),
        ({"count": 1, "amount": "abc"}, "amount", "invalid_value"),
        ({"count": 1, "kind": "z"}, "kind", "value_is_invalid"),
        ({"count": 1, "nested": [{"a": 1}, {"b": "x"}]}, "nested.1.b", "invalid_type"),
    ],
)
def test_validation_errors_use_lago_codes_and_dotted_paths(api, payload, field, code):
    response = api.post("/api/v1/probe", {"probe": payload}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_errors"
    assert code in body["error_details"][field]


def test_malformed_json_is_a_400_in_lago_shape(api):
    response = api.generic("POST", "/api/v1/probe", b'{"probe": {"count": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "error": "Bad Request",
        "code": "bad_request",
        "error_details": {"body": ["invalid_json"]},
    }


def test_bodies_over_one_megabyte_are_refused_with_413(api):
    body = b'{"probe": {"count": 1, "pad": "' + b"x" * (1024 * 1024) + b'"}}'
    response = api.generic("POST", "/api/v1/probe", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_non_json_content_type_is_a_415(api):
    response = api.generic("POST", "/api/v1/probe", b"count=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_domain_not_found_and_not_allowed_map_to_lago_codes(api):
    assert api.get("/api/v1/missing").json() == {"status": 404, "error": "Not Found", "code": "widget_not_found"}
    response = api.delete("/api/v1/missing")
    assert response.status_code == 405
    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": "widget_in_use"}


def test_an_unavailable_backing_service_is_a_503_to_retry(api):
    response = api.post("/api/v1/missing", {}, format="json")
    assert response.status_code == 503
    assert response.json() == {"status": 503, "error": "Service Unavailable", "code": "service_unavailable"}
    assert response["Retry-After"] == "5"


def test_unsupported_http_method_is_a_405(api):
    response = api.put("/api/v1/probe", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_pagination_meta_follows_lago(organization, api):
    for _ in range(4):  # plus the key the `api` fixture issued: 5 keys
        issue_key(organization)
    first = api.get("/api/v1/probe", {"per_page": 2}).json()
    assert len(first["keys"]) == 2
    assert first["meta"] == {"current_page": 1, "next_page": 2, "prev_page": None, "total_pages": 3, "total_count": 5}
    last = api.get("/api/v1/probe", {"per_page": 2, "page": 3}).json()
    assert len(last["keys"]) == 1
    assert last["meta"]["next_page"] is None and last["meta"]["prev_page"] == 2
    beyond = api.get("/api/v1/probe", {"per_page": 2, "page": 9}).json()
    assert beyond["keys"] == [] and beyond["meta"]["total_count"] == 5


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"per_page": "-3"}])
def test_bad_pagination_parameters_are_422(api, params):
    response = api.get("/api/v1/probe", params)
    assert response.status_code == 422
    assert list(response.json()["error_details"]) == list(params)


def test_per_page_is_capped(organization, api):
    assert api.get("/api/v1/probe", {"per_page": 10_000}).json()["meta"]["total_pages"] == 1
