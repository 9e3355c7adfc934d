"""/api/v1/webhook_endpoints in Lago's wire format: CRUD, validation in Lago's error shape, organization isolation."""

import pytest
from lago_python_client.models.webhook_endpoint import WebhookEndpointResponse

from billing.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhook_endpoints"


def create(api, **fields):
    return api.post(URL, {"webhook_endpoint": {"webhook_url": "https://example.com/hooks", **fields}}, format="json")


def test_create_answers_the_endpoint_as_the_lago_client_reads_it(api, organization):
    response = create(api, signature_algo="hmac", name="Billing events", event_types=["invoice.created"])

    assert response.status_code == 200, response.content
    body = response.json()["webhook_endpoint"]
    parsed = WebhookEndpointResponse.parse_obj(body)
    endpoint = WebhookEndpoint.objects.get()
    assert parsed.lago_id == str(endpoint.id)
    assert body == {
        "lago_id": str(endpoint.id),
        "lago_organization_id": str(organization.id),
        "webhook_url": "https://example.com/hooks",
        "signature_algo": "hmac",
        "name": "Billing events",
        "event_types": ["invoice.created"],
        "created_at": endpoint.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_defaults_are_hmac_and_every_type(api):
    body = create(api).json()["webhook_endpoint"]
    assert (body["signature_algo"], body["event_types"], body["name"]) == ("hmac", None, None)
    assert WebhookEndpoint.objects.get().event_types == []


def test_get_list_update_delete(api):
    first = create(api).json()["webhook_endpoint"]
    second = create(api, webhook_url="http://127.0.0.1:8080/in").json()["webhook_endpoint"]

    listed = api.get(URL, {"per_page": 1}).json()
    assert [item["lago_id"] for item in listed["webhook_endpoints"]] == [second["lago_id"]]
    assert listed["meta"]["total_count"] == 2 and listed["meta"]["next_page"] == 2

    assert api.get(f"{URL}/{first['lago_id']}").json()["webhook_endpoint"] == first

    changed = api.put(
        f"{URL}/{first['lago_id']}",
        {"webhook_endpoint": {"event_types": ["customer.created", "event.error"], "name": "two"}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()["webhook_endpoint"]
    assert (body["webhook_url"], body["event_types"], body["name"]) == (
        "https://example.com/hooks",
        ["customer.created", "event.error"],
        "two",
    )

    deleted = api.delete(f"{URL}/{first['lago_id']}")
    assert deleted.status_code == 200 and deleted.json()["webhook_endpoint"]["lago_id"] == first["lago_id"]
    assert api.get(f"{URL}/{first['lago_id']}").status_code == 404
    assert list(WebhookEndpoint.objects.values_list("id", flat=True)).__len__() == 1


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"webhook_url": "ftp://example.com/hooks"}, {"webhook_url": ["url_is_invalid"]}),
        ({"webhook_url": "javascript:alert(1)"}, {"webhook_url": ["url_is_invalid"]}),
        ({"webhook_url": "not a url"}, {"webhook_url": ["url_is_invalid"]}),
        ({"webhook_url": "https://user:secret@example.com/"}, {"webhook_url": ["url_is_invalid"]}),
        ({"webhook_url": ""}, {"webhook_url": ["value_is_mandatory"]}),
        ({"signature_algo": "jwt"}, {"signature_algo": ["value_is_invalid"]}),
        ({"event_types": ["invoice.created", "invoice.exploded"]}, {"event_types": ["value_is_invalid"]}),
    ],
)
def test_refused_fields_answer_422_and_write_nothing(api, fields, details):
    response = create(api, **fields)
    assert response.status_code == 422, response.content
    assert response.json() == {
        "status": 422,
        "error": "Unprocessable Entity",
        "code": "validation_errors",
        "error_details": details,
    }
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"webhook_url": 42},
        {"webhook_url": "https://example.com", "event_types": "invoice.created"},
        {"webhook_url": "https://example.com", "event_types": [1]},
        {"webhook_url": "https://example.com", "name": ["x"]},
    ],
)
def test_wrong_shapes_answer_422(api, payload):
    response = api.post(URL, {"webhook_endpoint": payload}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_errors"
    assert not WebhookEndpoint.objects.exists()


def test_a_missing_envelope_is_refused(api):
    response = api.post(URL, {"webhook_url": "https://example.com"}, format="json")
    assert response.status_code == 422
    assert response.json()["error_details"] == {"webhook_endpoint": ["value_is_mandatory"]}


def test_the_same_url_twice_is_refused(api):
    create(api)
    response = create(api)
    assert response.status_code == 422
    assert response.json()["error_details"] == {"webhook_url": ["value_already_exist"]}
    assert WebhookEndpoint.objects.count() == 1


def test_a_refused_update_changes_nothing(api):
    lago_id = create(api, event_types=["invoice.created"]).json()["webhook_endpoint"]["lago_id"]
    response = api.put(
        f"{URL}/{lago_id}",
        {"webhook_endpoint": {"webhook_url": "ftp://x", "event_types": ["customer.created"]}},
        format="json",
    )
    assert response.status_code == 422
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.webhook_url, endpoint.event_types) == ("https://example.com/hooks", ["invoice.created"])


def test_another_organizations_endpoint_is_not_found_and_untouched(api, other_api):
    lago_id = create(api).json()["webhook_endpoint"]["lago_id"]
    not_found = {"status": 404, "error": "Not Found", "code": "webhook_endpoint_not_found"}

    assert other_api.get(f"{URL}/{lago_id}").json() == not_found
    put = other_api.put(
        f"{URL}/{lago_id}", {"webhook_endpoint": {"webhook_url": "https://evil.example"}}, format="json"
    )
    assert put.status_code == 404 and put.json() == not_found
    assert other_api.delete(f"{URL}/{lago_id}").status_code == 404
    assert other_api.get(URL).json()["webhook_endpoints"] == []
    assert WebhookEndpoint.objects.get().webhook_url == "https://example.com/hooks"


@pytest.mark.parametrize("lago_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_id_is_not_found(api, lago_id):
    response = api.get(f"{URL}/{lago_id}")
    assert response.status_code == 404 and response.json()["code"] == "webhook_endpoint_not_found"


def test_authentication_is_required(client):
    assert client.get(URL).status_code == 401
