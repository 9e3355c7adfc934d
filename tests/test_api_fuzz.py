"""Every write the API documents, driven from its OpenAPI schema with random bodies and path parameters: the answer is
a 2xx or a 4xx in Lago's error shape, never a server error.

Bodies keep the documented envelope and field names, with values drawn from anything JSON holds plus the names of
the objects that exist (a customer, a plan, a metric, a subscription, a tax, a webhook endpoint, a draft invoice), so
that requests get past the first checks and into the services."""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories.invoicing import billed_draft_invoice
from tests.factories.metering import usage_catalog
from tests.factories.taxes import TaxFactory
from tests.factories.webhooks import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

KNOWN_WORDS = ["api_calls", "sub_1", "vat", "USD", "EUR", "monthly", "sum_agg", "standard", "calendar", "succeeded"]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(KNOWN_WORDS + ["2026-03-15T10:30:00Z", "2026-02-30", "1e30", "-1", "0.5", ""]),
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
)


def _write_operations() -> list[tuple[str, str, dict, dict]]:
    """(method, path, request body schema, the schema's components) of every documented write."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "delete"):
                content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                found.append((method, path, content.get("schema", {}), components))
    return found


def _resolved(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolved(schema["allOf"][0], components)
    return schema


@st.composite
def _value(draw, schema: dict, components: dict, depth: int = 0):
    """A value shaped like the schema (its field names, nested objects and lists) most of the time, anything else
    otherwise."""
    schema = _resolved(schema, components)
    if depth > 3 or draw(st.integers(0, 9)) == 0:
        return draw(_json)
    if schema.get("type") == "object" and schema.get("properties"):
        names = draw(st.lists(st.sampled_from(sorted(schema["properties"])), unique=True))
        return {name: draw(_value(schema["properties"][name], components, depth + 1)) for name in names}
    if schema.get("type") == "array" and "items" in schema:
        return draw(st.lists(_value(schema["items"], components, depth + 1), max_size=2))
    if "enum" in schema:
        return draw(st.sampled_from([*schema["enum"], "other"]))
    return draw(_json)


@pytest.fixture(scope="module")
def write_operations():
    return _write_operations()


@pytest.fixture
def known_names(organization) -> dict[str, list[str]]:
    """Path parameter values by name: objects that exist, then names that do not."""
    metric, subscription = usage_catalog(organization)
    tax = TaxFactory(organization=organization, code="vat")
    endpoint = WebhookEndpointFactory(organization=organization)
    invoice = billed_draft_invoice(organization)
    return {
        "code": [metric.code, subscription.plan.code, tax.code, "missing"],
        "external_id": [subscription.external_id, subscription.customer.external_id, "cust_draft", "missing"],
        "lago_id": [str(invoice.id), str(endpoint.id), "00000000-0000-0000-0000-000000000000", "not-a-uuid"],
    }


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_documented_write_answers_cleanly_whatever_it_is_sent(api, write_operations, known_names, data):
    method, path, body_schema, components = data.draw(st.sampled_from(write_operations), label="operation")
    url = re.sub(
        r"\{(\w+)\}",
        lambda match: data.draw(st.sampled_from(known_names.get(match.group(1), ["missing"])), label=match.group(1)),
        path,
    )
    body = data.draw(_value(body_schema, components), label="body") if body_schema else None

    response = getattr(api, method)(url, None if body is None else json.dumps(body), content_type="application/json")

    assert response.status_code < 500, (method, url, body, response.content)
    if response.status_code >= 400:
        error = response.json()
        assert error["status"] == response.status_code and {"error", "code"} <= set(error), error
