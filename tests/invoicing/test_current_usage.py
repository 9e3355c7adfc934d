"""Current usage through the API: the open period priced like its invoice, cached until the next event."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from lago_python_client.models.customer_usage import CustomerUsageResponse

from invoicing.models import Fee
from tests.invoicing.billing_client import bill, create_metric, create_plan, event, ok, send_events, subscribe

pytestmark = pytest.mark.django_db


def usage(api, customer="cust_1", subscription="sub_1", **params):
    response = api.get(
        f"/api/v1/customers/{customer}/current_usage", {"external_subscription_id": subscription, **params}
    )
    return response


@pytest.fixture
def metered(api, clock):
    cache.clear()
    metric = create_metric(api, filters=[{"key": "region", "values": ["eu", "us"]}])
    ok(
        api.post(
            "/api/v1/taxes",
            {"tax": {"name": "VAT", "code": "vat", "rate": 10, "applied_to_organization": True}},
            format="json",
        )
    )
    charge = {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "standard",
        "properties": {"amount": "1"},
        "filters": [{"invoice_display_name": "Europe", "properties": {"amount": "2"}, "values": {"region": ["eu"]}}],
    }
    create_plan(api, amount_cents=3100, charges=[charge])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 20)
    send_events(
        api,
        [
            event("t1", datetime(2026, 3, 5, tzinfo=UTC), calls=3, region="eu"),
            event("t2", datetime(2026, 3, 6, tzinfo=UTC), calls=4),
            event("old", datetime(2026, 2, 27, tzinfo=UTC), calls=100),  # before the period: not counted
        ],
    )
    return metric


def test_current_usage_prices_the_open_period_per_filter_with_taxes(api, metered):
    body = ok(usage(api))["customer_usage"]
    CustomerUsageResponse.parse_obj(body)  # the official client's model reads it
    assert (body["from_datetime"], body["to_datetime"]) == ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    # eu: 3 x 2.00 = 6.00; default: 4 x 1.00 = 4.00; VAT 10%
    assert (body["amount_cents"], body["taxes_amount_cents"], body["total_amount_cents"]) == (1000, 100, 1100)
    [charge] = body["charges_usage"]
    assert (charge["units"], charge["events_count"], charge["amount_cents"]) == ("7", 2, 1000)
    by_name = {item["invoice_display_name"]: item for item in charge["filters"]}
    assert (by_name["Europe"]["amount_cents"], by_name["Europe"]["values"]) == (600, {"region": ["eu"]})
    assert by_name[None]["amount_cents"] == 400


def test_a_new_event_invalidates_the_cached_usage(api, metered, clock):
    assert ok(usage(api))["customer_usage"]["amount_cents"] == 1000
    assert ok(usage(api))["customer_usage"]["amount_cents"] == 1000  # from the cache
    send_events(api, [event("t3", datetime(2026, 3, 7, tzinfo=UTC), calls=5)])
    assert ok(usage(api))["customer_usage"]["amount_cents"] == 1500


def test_the_estimate_matches_the_invoice(api, metered, clock):
    estimate = ok(usage(api))["customer_usage"]
    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))
    charged = sum(fee.amount + fee.taxes_amount for fee in Fee.objects.filter(fee_type="charge"))
    assert int(charged * 100) == estimate["total_amount_cents"]


def test_without_taxes_when_asked(api, metered):
    body = ok(usage(api, apply_taxes="false"))["customer_usage"]
    assert (body["taxes_amount_cents"], body["total_amount_cents"]) == (0, 1000)


@pytest.mark.parametrize(
    ("customer", "subscription", "status", "code"),
    [
        ("nobody", "sub_1", 404, "customer_not_found"),
        ("cust_1", "nothing", 404, "subscription_not_found"),
    ],
)
def test_unknown_customer_or_subscription_answers_404(api, metered, customer, subscription, status, code):
    response = usage(api, customer=customer, subscription=subscription)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_another_organizations_customer_is_not_found(other_api, metered):
    assert usage(other_api).status_code == 404


def test_a_missing_subscription_parameter_is_a_422(api, metered):
    response = api.get("/api/v1/customers/cust_1/current_usage")
    assert response.status_code == 422
    assert "external_subscription_id" in response.json()["error_details"]


def test_a_subscription_past_its_end_but_not_yet_terminated_shows_its_last_window(api, metered, clock):
    ok(api.put("/api/v1/subscriptions/sub_1", {"subscription": {"ending_at": "2026-03-25T00:00:00Z"}}, format="json"))
    clock.set(2026, 3, 26)  # the periodic task has not terminated it yet

    body = ok(usage(api))["customer_usage"]

    assert (body["from_datetime"], body["to_datetime"]) == ("2026-03-01T00:00:00Z", "2026-03-25T00:00:00Z")
