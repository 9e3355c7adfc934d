"""The official Python SDK's response models accept what we answer."""

import pytest
from lago_python_client.models.customer import CustomerResponse

from tests.customers.conftest import FULL_PAYLOAD, upsert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", [FULL_PAYLOAD, {"external_id": "bare"}], ids=["full", "bare"])
def test_upsert_get_list_and_delete_responses_parse_as_customer_response(api, payload):
    external_id = payload["external_id"]
    bodies = [
        upsert(api, **payload).json()["customer"],
        api.get(f"/api/v1/customers/{external_id}").json()["customer"],
        api.get("/api/v1/customers").json()["customers"][0],
        api.delete(f"/api/v1/customers/{external_id}").json()["customer"],
    ]

    for body in bodies:
        parsed = CustomerResponse.parse_obj(body)
        assert parsed.external_id == external_id
        assert parsed.lago_id == body["lago_id"]
        assert parsed.applicable_timezone == (payload.get("timezone") or "UTC")
        assert len(parsed.metadata.__root__) == len(payload.get("metadata", []))
        assert parsed.taxes.__root__ == []
