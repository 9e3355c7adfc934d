"""Every webhook type the platform emits, triggered through the API or the services a scheduled task runs, and
received by a real HTTP server: the body carries the object as the API renders it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from billing.webhooks.models import WebhookDelivery
from billing.webhooks.services import webhook_endpoint_create
from invoicing.hooks import InvoiceEvent, invoices_changed
from invoicing.models import Invoice
from plans.models import Subscription
from plans.services.subscriptions import subscription_create, subscriptions_activate_due
from tests.factories.plans import BillableMetricFactory, PlanFactory
from tests.invoicing.billing_client import bill, create_plan, ok, subscribe

pytestmark = pytest.mark.django_db


def upsert_customer(api, **fields):
    return ok(api.post("/api/v1/customers", {"customer": {"external_id": "cust_1", **fields}}, format="json"))


def test_customer_created_then_updated(api, endpoint, receiver, committed):
    with committed():
        upsert_customer(api, name="Acme")
    with committed():
        upsert_customer(api, name="Acme Corp")

    [created] = receiver.of_type("customer.created")
    [updated] = receiver.of_type("customer.updated")
    assert (created["object_type"], created["customer"]["name"]) == ("customer", "Acme")
    assert updated["customer"] == ok(api.get("/api/v1/customers/cust_1"))["customer"]


def test_subscription_started_upgraded_and_terminated(api, organization, endpoint, receiver, committed):
    PlanFactory(organization=organization, code="basic", amount=Money("10", "USD"))
    PlanFactory(organization=organization, code="premium", amount=Money("50", "USD"))
    with committed():
        subscribe(api, plan_code="basic")
    with committed():
        subscribe(api, plan_code="premium")  # an upgrade: the basic row ends and a premium row starts
    with committed():
        ok(api.delete("/api/v1/subscriptions/sub_1"))

    started = receiver.of_type("subscription.started")
    terminated = receiver.of_type("subscription.terminated")
    assert [(w["subscription"]["plan_code"], w["subscription"]["status"]) for w in started] == [
        ("basic", "active"),
        ("premium", "active"),
    ]
    assert [(w["subscription"]["plan_code"], w["subscription"]["status"]) for w in terminated] == [
        ("basic", "terminated"),
        ("premium", "terminated"),
    ]
    assert receiver.of_type("customer.created")[0]["customer"]["external_id"] == "cust_1"


def test_scheduled_start_and_end_are_announced_by_the_periodic_activation(
    api, organization, endpoint, receiver, committed
):
    PlanFactory(organization=organization, code="basic")
    starts_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    with committed():
        subscribe(api, plan_code="basic", at=starts_at, ending_at=(starts_at + timedelta(days=10)).isoformat())
    assert receiver.of_type("subscription.started") == []

    with committed():
        subscriptions_activate_due(at=starts_at)
    with committed():
        subscriptions_activate_due(at=starts_at + timedelta(days=10))
    with committed():
        subscriptions_activate_due(at=starts_at + timedelta(days=11))  # nothing new

    [started] = receiver.of_type("subscription.started")
    [terminated] = receiver.of_type("subscription.terminated")
    assert started["subscription"]["started_at"] == starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert terminated["subscription"]["status"] == "terminated"


def test_trial_end_is_marked_and_announced_once(api, organization, endpoint, receiver, committed):
    PlanFactory(organization=organization, code="trial", trial_period=Decimal(3))
    with committed():
        subscription = subscribe(api, plan_code="trial")
    started_at = datetime.fromisoformat(subscription["subscription_at"])

    assert subscriptions_activate_due(at=started_at + timedelta(days=2)).trials_ended == 0
    with committed():
        assert subscriptions_activate_due(at=started_at + timedelta(days=3, minutes=5)).trials_ended == 1
    with committed():
        assert subscriptions_activate_due(at=started_at + timedelta(days=4)).trials_ended == 0

    [trial_ended] = receiver.of_type("subscription.trial_ended")
    expected_end = (started_at + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert trial_ended["subscription"]["trial_ended_at"] == expected_end
    assert ok(api.get("/api/v1/subscriptions/sub_1"))["subscription"]["trial_ended_at"] == expected_end


def test_a_plan_change_after_the_trial_does_not_announce_it_again(organization, endpoint, receiver, committed):
    PlanFactory(organization=organization, code="trial", trial_period=Decimal(3), amount=Money("10", "USD"))
    PlanFactory(organization=organization, code="bigger", trial_period=Decimal(3), amount=Money("90", "USD"))
    start = datetime(2026, 3, 2, tzinfo=UTC)
    with committed():
        subscription_create(
            organization=organization, external_customer_id="c", plan_code="trial", external_id="s", at=start
        )
        subscriptions_activate_due(at=start + timedelta(days=3))
        subscription_create(
            organization=organization,
            external_customer_id="c",
            plan_code="bigger",
            external_id="s",
            at=start + timedelta(days=5),
        )
        subscriptions_activate_due(at=start + timedelta(days=6))

    assert len(receiver.of_type("subscription.trial_ended")) == 1
    assert not Subscription.objects.filter(trial_ended_at__isnull=True).exists()  # both rows record the end


@pytest.fixture
def billed_invoice(api, only_webhook_invoice_listeners, committed):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))
    with committed():
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    return Invoice.objects.get()


def test_invoice_created_payment_status_updated_generated_and_voided(
    api, endpoint, receiver, billed_invoice, committed
):
    lago_id = str(billed_invoice.pk)
    with committed():
        ok(api.put(f"/api/v1/invoices/{lago_id}", {"invoice": {"payment_status": "failed"}}, format="json"))
    with committed():
        invoices_changed(InvoiceEvent.GENERATED, [billed_invoice.pk])  # what PDF rendering fires
    with committed():
        ok(api.post(f"/api/v1/invoices/{lago_id}/void"))

    [created] = receiver.of_type("invoice.created")
    [payment] = receiver.of_type("invoice.payment_status_updated")
    [generated] = receiver.of_type("invoice.generated")
    [voided] = receiver.of_type("invoice.voided")
    assert created["object_type"] == "invoice"
    assert (created["invoice"]["lago_id"], created["invoice"]["status"]) == (lago_id, "finalized")
    assert created["invoice"]["total_amount_cents"] == 1000 and len(created["invoice"]["fees"]) == 1
    assert payment["invoice"]["payment_status"] == "failed"
    assert generated["invoice"]["lago_id"] == lago_id
    assert voided["invoice"] == ok(api.get(f"/api/v1/invoices/{lago_id}"))["invoice"]


def test_invoice_drafted_then_created_on_finalization(
    api, endpoint, receiver, only_webhook_invoice_listeners, committed
):
    create_plan(api, amount_cents=1000)
    upsert_customer(api, billing_configuration={"invoice_grace_period": 3})
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))
    with committed():
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    invoice = Invoice.objects.get()
    with committed():
        ok(api.put(f"/api/v1/invoices/{invoice.pk}/finalize"))

    [drafted] = receiver.of_type("invoice.drafted")
    [created] = receiver.of_type("invoice.created")
    assert drafted["invoice"]["status"] == "draft" and created["invoice"]["status"] == "finalized"


def post_event(api, code: str, transaction_id: str = "tx_1"):
    event = {"transaction_id": transaction_id, "external_subscription_id": "sub_1", "code": code, "properties": {}}
    return ok(api.post("/api/v1/events", {"event": event}, format="json"))


def test_event_error_for_an_event_with_diagnostics(api, organization, receiver, committed):
    webhook_endpoint_create(organization=organization, webhook_url=receiver.url, event_types=["event.error"])
    BillableMetricFactory(organization=organization, code="known", aggregation_type="count_agg", field_name="")
    with committed():
        post_event(api, code="unknown_metric")
    with committed():
        upsert_customer(api, name="not wanted by this endpoint")

    [request] = receiver.received
    body = request.json
    assert (body["webhook_type"], body["object_type"]) == ("event.error", "event_error")
    assert body["event_error"]["status"] == 422 and body["event_error"]["error"] == "Unprocessable entity"
    assert "billable_metric_not_found" in body["event_error"]["message"]
    assert body["event_error"]["event"]["transaction_id"] == "tx_1"
    assert body["event_error"]["event"]["code"] == "unknown_metric"


def test_ingestion_does_not_look_for_endpoints_again_when_there_are_none(api):
    post_event(api, code="unknown_metric", transaction_id="tx_1")
    with CaptureQueriesContext(connection) as queries:
        post_event(api, code="unknown_metric", transaction_id="tx_2")
    assert not [query for query in queries.captured_queries if "webhook" in query["sql"]]
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_that_does_not_want_event_error_costs_no_delivery(api, organization, receiver, committed):
    webhook_endpoint_create(organization=organization, webhook_url=receiver.url, event_types=["invoice.created"])
    with committed():
        post_event(api, code="unknown_metric")
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
